"""``sidebyside coordinators`` and ``sidebyside audit``: who may sign in to the console, with
which role, a one-time sign-in link, and the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click

from shared.bootstrap import App
from shared.cli.common import one_line_errors
from shared.days import parse_day
from shared.services import audit as audit_service
from shared.services import coordinators as service
from shared.services import signin


def _today(app: App) -> date:
    return datetime.now(app.settings.timezone).date()


@click.group()
def coordinators() -> None:
    """Who may sign in to the console: coordinators (everything) and viewers (dashboard and report)."""


@coordinators.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(service.ROLES), default=service.COORDINATOR, show_default=True)
@click.option(
    "--language",
    type=click.Choice(service.LANGUAGES),
    default=None,
    help="The language of the reports mailed to them (default: SIDEBYSIDE_REPORT_LANGUAGE).",
)
@click.pass_obj
def add(app: App, email: str, role: str, language: str | None) -> None:
    """Let EMAIL sign in to the console with ROLE."""
    with one_line_errors():
        added = service.add(app.store, email, role, today=_today(app), language=language)
    click.echo(
        f"Added {added.email} as {added.role}. For a one-time sign-in link, run: "
        f"sidebyside coordinators sign-in-link {added.email}"
    )


@coordinators.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(service.ROLES))
@click.pass_obj
def set_role(app: App, email: str, role: str) -> None:
    """Make EMAIL a coordinator or a viewer (the last coordinator stays one)."""
    with one_line_errors():
        changed = service.set_role(app.store, email, role, app.settings)
    click.echo(f"{changed.email} is now a {changed.role}.")


@coordinators.command("list")
@click.pass_obj
def list_(app: App) -> None:
    """List everyone who may sign in, with their role and report language."""
    default = app.settings.report_language
    for person, fixed in service.list_all(app.store, app.settings):
        source = "  (SIDEBYSIDE_COORDINATORS)" if fixed else ""
        language = person.language or f"{service.DEFAULT_LANGUAGE} ({default})"
        click.echo(f"{person.email}  {person.role}  {language}{source}")


@coordinators.command("language")
@click.argument("email")
@click.argument("language", type=click.Choice((*service.LANGUAGES, service.DEFAULT_LANGUAGE)))
@click.pass_obj
def language(app: App, email: str, language: str) -> None:
    """Mail EMAIL's reports in LANGUAGE (default: SIDEBYSIDE_REPORT_LANGUAGE)."""
    with one_line_errors():
        changed = service.set_language(app.store, email, language, app.settings)
    shown = changed.language or service.DEFAULT_LANGUAGE
    click.echo(f"{changed.email} gets reports in {shown}.")


@coordinators.command("remove")
@click.argument("email")
@click.pass_obj
def remove(app: App, email: str) -> None:
    """Take EMAIL off the list; their console sessions end at once."""
    with one_line_errors():
        service.remove(app.store, app.settings, email)
    click.echo(f"Removed {email.strip().lower()}.")


@coordinators.command("sign-in-link")
@click.argument("email")
@click.pass_obj
def sign_in_link(app: App, email: str) -> None:
    """Print a one-time console sign-in link for EMAIL (15 minutes, single use)."""
    link = signin.issue_link(app.store, app.settings, email, datetime.now(UTC))
    if link is None:
        raise click.ClickException(
            f"{email} may not sign in: add it with `sidebyside coordinators add {email}`."
        )
    click.echo("One-time sign-in link (15 minutes):", err=True)
    click.echo(link)


@click.command()
@click.option("--since", default=None, help="First day, as YYYY-MM-DD (default: 30 days ago).")
@click.pass_obj
def audit(app: App, since: str | None) -> None:
    """Print the audit log: who did what in the console, the API or the CLI, oldest first."""
    with one_line_errors():
        first = parse_day(since, "since")
        found = audit_service.entries(app.store, app.settings.timezone, first)
    tz = app.settings.timezone
    for e in reversed(found):
        click.echo(
            f"{e.at.astimezone(tz).isoformat(timespec='seconds')}  {e.actor}  {e.kind}  {e.detail}".rstrip()
        )
