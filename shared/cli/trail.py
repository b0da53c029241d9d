"""The CLI's audit trail: every command that changes the program's data, or reveals it (exports,
the report, links), leaves an audit entry with actor ``cli``, as the console and the admin API do.

One table, :data:`AUDITED`, says what each such command records, and :func:`install` wraps every
command's callback once, when :mod:`shared.cli` is imported: a command is either in the table or
in :data:`NOT_AUDITED` with the reason, and one in neither stops the import, so no new command
can escape the trail. The detail is built from the command's own parameters (ids, counts,
options) and, for what only the command knows (how many were mailed), from :func:`outcome`;
never from a token, a link, a file's content or an address of a student.

An entry is written when the command finishes, also when it ends with an exit code it chose after
doing its work (an invitation run where some mails failed). A command refused before it acts
(an unknown survey, a bad option) leaves nothing, as in the console; one that fails after it
began to act (:func:`acting`: an export whose rows have started to go out) leaves its entry,
marked "(stopped)".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import click

from shared.bootstrap import App
from shared.services import audit

ACTOR = "cli"
_OUTCOME = "sidebyside.audit_outcome"  # keys in click's shared ``ctx.meta``
_ACTING = "sidebyside.audit_acting"

Params = dict[str, Any]


@dataclass(frozen=True)
class Audited:
    """What one command records: its kind (or a function of its parameters giving it) and the
    detail, a function of its parameters."""

    kind: str | Callable[[Params], str]
    detail: Callable[[Params], str]

    def kind_for(self, params: Params) -> str:
        return self.kind(params) if callable(self.kind) else self.kind


def _survey(p: Params) -> str:
    return str(p["survey_id"])


def _alias(p: Params) -> str:
    return str(p["alias"]).strip()


def _email(p: Params) -> str:
    return str(p["email"]).strip().lower()  # a coordinator's address: whom the action concerns


def _report(p: Params) -> str:
    chosen = {
        key: p.get(name)
        for key, name in (
            ("survey", "survey_id"),
            ("compare", "compare"),
            ("from", "start"),
            ("to", "end"),
            ("audience", "audience"),
            ("lang", "lang"),
        )
    }
    return " ".join(f"{k}={v}" for k, v in chosen.items() if v)


def _export_responses(p: Params) -> str:
    extra = ", with the whole-survey-only items (PHQ-9 item 9)" if p["whole_survey_only"] else ""
    return f"responses {p['survey_id']}{extra}"


AUDITED: dict[str, Audited] = {
    "demo": Audited("demo_run", lambda p: "local demo data"),
    "supporters add": Audited("supporter_added", _alias),
    "supporters revoke": Audited("supporter_revoked", _alias),
    "supporters relink": Audited("supporter_relinked", _alias),
    "surveys create": Audited("survey_created", _survey),
    "surveys blocks": Audited(
        "survey_changed", lambda p: f"{p['survey_id']}: blocks {', '.join(p['blocks']) or 'none'}"
    ),
    "surveys exclude": Audited(
        "survey_changed",
        lambda p: (
            f"{p['survey_id']}: {'back in' if p['undo'] else 'left out of'} the report's default choices"
        ),
    ),
    "surveys links": Audited("survey_links_issued", lambda p: f"{p['survey_id']}: {p['count']}"),
    "surveys invite": Audited("survey_invited", _survey),
    "surveys remind": Audited("survey_reminded", _survey),
    "surveys unsubscribe": Audited(
        "survey_unsubscribed", lambda p: f"{p['survey_id']}: {len(p['addresses'])} address(es)"
    ),
    "surveys close": Audited("survey_closed", _survey),
    "surveys purge": Audited("survey_purged", _survey),
    "export interactions": Audited(
        "data_exported",
        lambda p: (
            f"interactions {p['start'] and p['start'].date() or ''}..{p['end'] and p['end'].date() or ''}"
            + (", with the demo supporter" if p["include_demo"] else "")
        ),
    ),
    "export responses": Audited("data_exported", _export_responses),
    "import interactions": Audited("data_imported", lambda p: "interactions"),
    "import responses": Audited("data_imported", lambda p: f"responses into {p['survey_id']}"),
    "report": Audited(lambda p: "report_sent" if p["send"] else "report_viewed", _report),
    "coordinators add": Audited("coordinator_added", lambda p: f"{_email(p)} ({p['role']})"),
    "coordinators set-role": Audited("role_changed", lambda p: f"{_email(p)}: {p['role']}"),
    "coordinators language": Audited(
        "role_changed", lambda p: f"{_email(p)}: report language {p['language']}"
    ),
    "coordinators remove": Audited("coordinator_removed", _email),
    "coordinators sign-in-link": Audited("sign_in_link_issued", _email),
    "maintenance rebuild-tallies": Audited("maintenance_run", lambda p: "rebuild-tallies"),
}

# Commands that record nothing, and why.
NOT_AUDITED: dict[str, str] = {
    "serve": "runs the server; what is done through it is audited by the console and the API",
    "supporters list": "a list of aliases, as the console's Supporters page (not audited either)",
    "surveys list": "the list of surveys; its purge of surveys past their grace period is the daily job's",
    "coordinators list": "the list of who may sign in",
    "audit": "reads the audit log itself",
}


def outcome(text: str) -> None:
    """Add what the running command did (``"3 sent, 1 failed"``) to its audit entry."""
    meta = click.get_current_context().meta
    meta[_OUTCOME] = "; ".join(filter(None, (meta.get(_OUTCOME), text)))


def acting() -> None:
    """Say that the running command has begun to change or reveal data: from here on, a failure
    still leaves its audit entry (marked "(stopped)")."""
    click.get_current_context().meta[_ACTING] = True


def _record(ctx: click.Context, entry: Audited, params: Params, stopped: bool) -> None:
    app = ctx.find_object(App)
    if app is None:  # no program (help only): nothing was done
        return
    said = ctx.meta.pop(_OUTCOME, "")
    detail = entry.detail(params) + (f": {said}" if said else "") + (" (stopped)" if stopped else "")
    audit.record(app.store, ACTOR, entry.kind_for(params), detail)


def _audited(entry: Audited, callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **params: Any) -> Any:
        ctx = click.get_current_context()
        ctx.meta.pop(_OUTCOME, None)
        ctx.meta.pop(_ACTING, None)
        try:
            result = callback(*args, **params)
        except click.exceptions.Exit as done:  # the command chose its exit code after acting
            _record(ctx, entry, params, stopped=False)
            raise done
        except (click.exceptions.Abort, click.UsageError):
            raise  # declined at a prompt, or a bad command line: nothing was done
        except Exception:
            if ctx.meta.pop(_ACTING, False):
                _record(ctx, entry, params, stopped=True)
            raise
        _record(ctx, entry, params, stopped=False)
        return result

    run.__sidebyside_audited__ = True  # type: ignore[attr-defined]
    return run


def walk(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    """Every command under ``group`` as ``("surveys create", command)``, groups left out."""
    for name, command in group.commands.items():
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            yield from walk(command, path)
        else:
            yield path, command


def install(group: click.Group) -> None:
    """Wrap every command of ``group`` with its audit entry (once); stop on a command that is in
    neither table, and on a table row naming no command."""
    found = dict(walk(group))
    unknown = sorted(set(found) - set(AUDITED) - set(NOT_AUDITED))
    stale = sorted((set(AUDITED) | set(NOT_AUDITED)) - set(found))
    if unknown or stale:
        raise RuntimeError(
            f"shared/cli/trail.py: commands not in AUDITED or NOT_AUDITED: {unknown}; rows naming no command: {stale}"
        )
    for path, command in found.items():
        if (
            path in AUDITED
            and command.callback
            and not getattr(command.callback, "__sidebyside_audited__", False)
        ):
            command.callback = _audited(AUDITED[path], command.callback)
