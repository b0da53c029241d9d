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
(an unknown survey, a bad option, a declined prompt) leaves nothing, as in the console. One that
may have acted and then failed leaves its entry, marked "(stopped)", whatever stopped it (a
store or mail failure, Ctrl-C, a bug: any exception, ``BaseException`` included): such a
failure can come after the first change, so it is recorded unless it is a refusal made before
the command began to act (:func:`acting`, which a command calls where its changes start: an
export's first row, an import's first write, an invitation run's first mail through
:func:`watching`). A refusal after that (an import whose survey changed half way) is recorded
too. The entry is the same detail, never more: no token, link or address.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import click

from shared.bootstrap import App
from shared.error_table import outcome_for
from shared.mail import Mailer, Message
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


class _Watched(Mailer):
    """A command's mailer whose every send first marks the command as acting (:func:`watching`)."""

    def __init__(self, mailer: Mailer) -> None:
        super().__init__(mailer.sender)
        self._mailer = mailer

    def send(self, message: Message) -> str:
        acting()  # before the hand-over: a mail may be out even when send fails half way
        return self._mailer.send(message)


def watching(mailer: Mailer) -> Mailer:
    """``mailer`` for a command that mails: from its first send on, the command is acting."""
    return _Watched(mailer)


def _refused(failure: BaseException) -> bool:
    """True for a refusal of what was asked (a bad command line, a declined prompt, an unknown
    survey, a bad file: what the error table answers under 500), which a command meets before it
    acts; False for what may stop it part way (a store or mail failure, Ctrl-C, a bug)."""
    if isinstance(failure, (click.exceptions.Abort, click.UsageError)):
        return True
    if isinstance(failure, click.ClickException):
        # A library error turned into one line (``one_line_errors``) keeps it as its context; a
        # command's own ClickException ("not UTF-8 text", "already exists") is a refusal.
        cause = failure.__context__
        found = outcome_for(cause) if isinstance(cause, Exception) else None
        return found is None or found.status < 500
    found = outcome_for(failure) if isinstance(failure, Exception) else None
    return found is not None and found.status < 500


def _record(ctx: click.Context, entry: Audited, params: Params, stopped: bool) -> None:
    app = ctx.find_object(App)
    if app is None:  # no program (help only): nothing was done
        return
    said = ctx.meta.pop(_OUTCOME, "")
    detail = entry.detail(params) + (f": {said}" if said else "") + (" (stopped)" if stopped else "")
    audit.record(app.store, ACTOR, entry.kind_for(params), detail)


def _record_stopped(ctx: click.Context, entry: Audited, params: Params) -> None:
    """Record a stopped command; if that fails too (the store is what went away), say so on
    stderr and let the command's own failure be what it ends with."""
    try:
        _record(ctx, entry, params, stopped=True)
    except Exception as exc:
        click.echo(f"The audit entry of this stopped command could not be written: {exc}", err=True)


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
        except BaseException as failure:  # Ctrl-C too: what was done before it stays done
            if ctx.meta.pop(_ACTING, False) or not _refused(failure):
                _record_stopped(ctx, entry, params)
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
