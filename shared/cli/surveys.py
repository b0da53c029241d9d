"""``sidebyside surveys``: create and close surveys, issue single-use links, invite and remind.

Links are printed (or written to a CSV) once; only their hashes are stored. Address lists are
read, used and forgotten: ``remind`` and ``invite`` need the list given again.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import click

from shared.bootstrap import App
from shared.cli.common import one_line_errors
from shared.cli.trail import outcome, watching
from shared.services import links as link_service
from shared.services import surveys as service

REASONS = {
    "already_invited": "already invited",
    "not_invited": "never invited",
    "answered": "already answered",
    "reminded_today": "already reminded today",
    "unsubscribed": "asked for no more reminders",
}


SKIP_BAD = click.option(
    "--skip-bad-lines",
    is_flag=True,
    help="Send to the valid addresses and list the lines left out (as the console's Confirm does); "
    "without it a file with a bad line sends nothing.",
)


def _addresses(path: str, skip_bad: bool = False) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text.") from None
    if not skip_bad:
        return link_service.read_addresses(text)  # every bad line named, nothing sent
    good, bad = link_service.preview_addresses(text)
    for line in bad:
        click.echo(f"Left out: {line}", err=True)
    return link_service.clean_addresses((a, "line") for a in good)  # the limit on how many still holds


def _report(run: link_service.MailRun, verb: str, command: str, survey_id: str) -> None:
    outcome(f"{run.sent} sent, {len(run.failed)} failed")
    skipped = ", ".join(f"{n} {REASONS.get(k, k)}" for k, n in sorted(run.skipped.items()))
    if run.skipped_total and not run.skipped:
        skipped = f"{run.skipped_total} (reasons not shown for a list this short)"
    click.echo(f"{verb} {run.sent}." + (f" Skipped: {skipped}." if skipped else ""))
    if command == "remind" and run.skipped and set(run.skipped) == {"not_invited"}:
        click.echo(
            f"None of these addresses was invited to {survey_id}. Is it the invitation list, and is "
            "SIDEBYSIDE_SECRET_KEY the key the invitations were sent with?",
            err=True,
        )
    if run.failed:
        if run.stopped:
            click.echo("Stopped: the mail server refused several messages in a row.", err=True)
        click.echo(f"Not sent to {len(run.failed)}: {', '.join(run.failed)}", err=True)
        click.echo(
            f"Fix the problem, then run `sidebyside surveys {command} {survey_id}` again with the same list.",
            err=True,
        )
        raise click.exceptions.Exit(1)


@click.group()
def surveys() -> None:
    """End-of-year surveys: single-use anonymous links, invitations and reminders."""


@surveys.command("create")
@click.argument("survey_id", metavar="ID")
@click.option(
    "--form", "form", default=service.DEFAULT_FORM, show_default=True, help="The form (forms/NAME.yaml)."
)
@click.option("--opens", default=None, help="First day answers are taken (YYYY-MM-DD); default: now.")
@click.option(
    "--closes", default=None, help="Last day answers are taken (YYYY-MM-DD); default: until closed."
)
@click.option(
    "--block",
    "blocks",
    multiple=True,
    metavar="NAME",
    help="Ask an optional block too (repeatable): k10, phq9, gad7, help_seeking, service_use.",
)
@click.option("--k10", is_flag=True, help="Same as --block k10.")
@click.option(
    "--past",
    is_flag=True,
    help="Allow a closing date in the past: a survey that already ran, whose answers you will import.",
)
@click.pass_obj
def create(
    app: App,
    survey_id: str,
    form: str,
    opens: str | None,
    closes: str | None,
    blocks: tuple[str, ...],
    k10: bool,
    past: bool,
) -> None:
    """Create survey ID (1-40 of a-z, 0-9, '-', '_'), e.g. class-of-2027-y2.

    For last year's survey, entered with its real dates before importing its answers:
    --opens 2025-04-01 --closes 2025-05-15 --past.
    """
    with one_line_errors():
        survey = service.create_survey(
            app.store,
            survey_id,
            form=form,
            opens=opens,
            closes=closes,
            k10=k10,
            blocks=list(blocks),
            today=service.today_in(app.settings),
            past_ok=past,
        )
    asked = f", with {', '.join(survey.blocks)}" if survey.blocks else ""
    click.echo(f"Created survey {survey.id} ({survey.form}{asked}).")


@surveys.command("blocks")
@click.argument("survey_id", metavar="ID")
@click.option(
    "--block", "blocks", multiple=True, metavar="NAME", help="A block to ask (repeatable); none: no blocks."
)
@click.pass_obj
def blocks_(app: App, survey_id: str, blocks: tuple[str, ...]) -> None:
    """Set the optional blocks survey ID asks; refused once it has opened (blocks are then fixed)."""
    with one_line_errors():
        survey = service.set_blocks(app.store, survey_id, list(blocks), service.today_in(app.settings))
    click.echo(f"Survey {survey.id} asks {', '.join(survey.blocks) or 'no optional blocks'}.")


@surveys.command("exclude")
@click.argument("survey_id", metavar="ID")
@click.option("--undo", is_flag=True, help="Put the survey back among the report's default choices.")
@click.pass_obj
def exclude(app: App, survey_id: str, undo: bool) -> None:
    """Leave survey ID (a test or pilot) out of the report's default choices.

    It is then never the current survey nor the one the report compares with, unless a report
    names it (sidebyside report --survey ID, or --compare ID).
    """
    with one_line_errors():
        survey = service.set_excluded(app.store, survey_id, not undo)
    if survey.excluded:
        click.echo(
            f"Survey {survey.id} is left out of the report's default choices (name it to report on it)."
        )
    else:
        click.echo(f"Survey {survey.id} is among the report's default choices again.")


@surveys.command("list")
@click.pass_obj
def list_(app: App) -> None:
    """List surveys: id, form, dates, state, links issued, answers released and pending (purging those past their grace period).

    A survey left out of the report's default choices (surveys exclude) has "(excluded)" after its state.
    """
    rows = [
        (
            s.survey.id,
            "+".join([s.survey.form, *sorted(service.sections_of(s.survey))]),
            s.survey.opens.isoformat() if s.survey.opens else "-",
            s.survey.closes.isoformat() if s.survey.closes else "-",
            s.state + (" (excluded)" if s.survey.excluded else ""),
            str(s.survey.links_issued),
            str(s.answers),
            str(s.pending),
        )
        for s in service.list_surveys(app.store, app.settings, service.today_in(app.settings))
    ]
    if not rows:
        click.echo("No surveys yet. Create one with: sidebyside surveys create ID", err=True)
        return
    rows.insert(0, ("ID", "FORM", "OPENS", "CLOSES", "STATE", "LINKS", "ANSWERS", "PENDING"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@surveys.command("close")
@click.argument("survey_id", metavar="ID")
@click.pass_obj
def close(app: App, survey_id: str) -> None:
    """Stop taking answers for ID now; its links are purged after SIDEBYSIDE_PURGE_GRACE_DAYS."""
    with one_line_errors():
        status = service.close_survey(app.store, app.settings, survey_id, service.today_in(app.settings))
    survey = status.survey
    answers = f"Answers: {status.answers} released, {status.pending} waiting to be released."
    if survey.purged_on:
        click.echo(f"Closed {survey.id}; its links were purged on {survey.purged_on}. {answers}")
    else:
        due = link_service.purge_due_on(survey, app.settings.purge_grace_days)
        click.echo(f"Closed {survey.id}. {answers} Links and invitations are purged on {due}.")


@surveys.command("links")
@click.argument("survey_id", metavar="ID")
@click.option(
    "--count",
    "-n",
    type=click.IntRange(1, link_service.MAX_LINKS_PER_CALL),
    required=True,
    help="How many links.",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the links to this new CSV file instead.",
)
@click.pass_obj
def links(app: App, survey_id: str, count: int, csv_path: str | None) -> None:
    """Issue COUNT single-use links for ID, one a line (shown once: only their hashes are kept)."""
    target = None
    if csv_path:
        try:  # created before the links, readable by its owner only: it holds secrets
            target = os.fdopen(
                os.open(csv_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", newline=""
            )
        except FileExistsError:
            raise click.ClickException(f"{csv_path} already exists; choose a new file.") from None
        except OSError as exc:
            raise click.ClickException(f"Cannot create {csv_path}: {exc.strerror}.") from None
    try:
        with one_line_errors():
            issued = link_service.issue_links(
                app.store, app.settings, survey_id, count, service.today_in(app.settings)
            )
    except BaseException:
        if target is not None and csv_path:  # the file was made above: remove it
            target.close()
            Path(csv_path).unlink(missing_ok=True)
        raise
    if target is None:
        for url in issued:
            click.echo(url)
        return
    with target:
        writer = csv.writer(target)
        writer.writerow(["link"])
        writer.writerows([url] for url in issued)
    click.echo(f"Wrote {len(issued)} links to {csv_path}.", err=True)


def _mail(
    app: App,
    survey_id: str,
    emails: str,
    skip_bad: bool,
    mailing: Callable[..., link_service.MailRun],
    verb: str,
    command: str,
) -> None:
    """Invite or remind (``mailing``) the addresses of ``emails``; from the first mail on the
    command is acting, so a failure after it is still audited (``watching``)."""
    with one_line_errors():
        addresses = _addresses(emails, skip_bad)
        run = mailing(
            app.store,
            app.settings,
            watching(app.mailer),
            survey_id,
            addresses,
            service.today_in(app.settings),
        )
    _report(run, verb, command, survey_id)


@surveys.command("invite")
@click.argument("survey_id", metavar="ID")
@click.argument("emails", metavar="EMAILS.csv", type=click.Path(exists=True, dir_okay=False))
@SKIP_BAD
@click.pass_obj
def invite(app: App, survey_id: str, emails: str, skip_bad_lines: bool) -> None:
    """Mail each address in EMAILS.csv (an `email` column, or one a line) its own link to ID.

    Addresses already invited to ID are skipped; no address is stored.
    """
    _mail(app, survey_id, emails, skip_bad_lines, link_service.invite, "Invited", "invite")


@surveys.command("remind")
@click.argument("survey_id", metavar="ID")
@click.argument("emails", metavar="EMAILS.csv", type=click.Path(exists=True, dir_okay=False))
@SKIP_BAD
@click.pass_obj
def remind(app: App, survey_id: str, emails: str, skip_bad_lines: bool) -> None:
    """Mail the same link again to the addresses in EMAILS.csv invited to ID that have not answered.

    The program keeps no addresses, so give the invitation list again.
    """
    _mail(app, survey_id, emails, skip_bad_lines, link_service.remind, "Reminded", "remind")


@surveys.command("unsubscribe")
@click.argument("survey_id", metavar="ID")
@click.argument("addresses", metavar="ADDRESS...", nargs=-1, required=True)
@click.pass_obj
def unsubscribe(app: App, survey_id: str, addresses: tuple[str, ...]) -> None:
    """Send no more reminders to these addresses invited to ID (their List-Unsubscribe requests).

    Only the invitation's keyed hash is marked; no address is stored.
    """
    with one_line_errors():
        clean = link_service.clean_addresses((a, f"argument {n}") for n, a in enumerate(addresses, 1))
        done = link_service.unsubscribe(app.store, survey_id, app.settings, clean)
    stopped, never = done["stopped"], done["not_invited"]
    said = [f"Reminders stopped for {stopped} address{'es' if stopped != 1 else ''}."] if stopped else []
    if never:
        said.append(
            f"{never} address{'es were' if never != 1 else ' was'} never invited to {survey_id}"
            f"{', so nothing was changed' if not stopped else ''}."
        )
    click.echo(" ".join(said))


@surveys.command("purge")
@click.argument("survey_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def purge(app: App, survey_id: str, yes: bool) -> None:
    """Delete ID's links and invitation keys now (answers stay); closes it. Reminders become impossible."""
    with one_line_errors():
        link_service.find_survey(app.store, survey_id)
        if not yes:
            click.confirm(f"Purge every link of {survey_id} and close it? Its answers stay", abort=True)
        survey, deleted = link_service.purge(
            app.store, app.settings, survey_id, service.today_in(app.settings)
        )
    outcome(f"{deleted} links")
    click.echo(f"Purged {survey.id}: {deleted} links deleted; answers kept.")
