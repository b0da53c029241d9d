"""``sidebyside demo``: local data for a first look, and the links a newcomer should open."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from shared.bootstrap import App
from shared.cli.trail import outcome
from shared.services import coordinators, signin, surveys
from shared.services.demo import ensure_demo

LOCAL_COORDINATOR = "coordinator@example.org"


@click.command()
@click.pass_obj
def demo(app: App) -> None:
    """Create a demo supporter and a demo survey in an empty store, and print their links.

    Run again, it shows the same links and changes nothing; a store with real data is left alone.
    Only for the embedded SQLite store: it refuses to put demo data in a cloud store. On an empty
    store it also adds a local coordinator (coordinator@example.org). Every run says how to sign
    in to the console: a fresh one-time link for that coordinator while it is on the list, else
    the `sidebyside coordinators sign-in-link` command to run.
    """
    settings, store = app.settings, app.store
    if settings.store.kind != "sqlite":
        raise click.ClickException(
            "demo only runs on the local SQLite store (SIDEBYSIDE_STORE=sqlite:///...)"
        )
    done = ensure_demo(store, settings)
    outcome(done.state)
    if done.state == "skipped":
        click.echo("The store holds a program's own data: no demo data added.")
        _how_to_sign_in(app)
        return
    if done.state == "existing":
        click.echo("Demo data from an earlier run (nothing re-issued; a used survey link stays used):")
    else:
        click.echo("Open these (local demo data in .data/):")
    if done.state == "created" and not store.list_coordinators():
        coordinators.add(store, LOCAL_COORDINATOR, today=surveys.today_in(settings))
    for label, url in done.links:
        click.echo(f"  {label + ':':<22}{url}")
    _how_to_sign_in(app)
    click.echo(f"  {'Mail goes to:':<22}{settings.mail.path or settings.mail.kind}")
    if not settings.admin_token:
        click.echo("  Admin API: off; set SIDEBYSIDE_ADMIN_TOKEN to use /admin/ (see README).")


def _how_to_sign_in(app: App) -> None:
    """Every run says how to reach the console: a fresh one-time link for the local coordinator
    when there is one (a link works once, so it is new each run and changes nothing else), else
    the command that prints one for a coordinator on the list."""
    store, settings = app.store, app.settings
    if store.get_coordinator(LOCAL_COORDINATOR) is not None:
        link = signin.issue_link(store, settings, LOCAL_COORDINATOR, datetime.now(UTC))
        if link:
            outcome(f"sign-in link for {LOCAL_COORDINATOR}")
            click.echo(f"  {'Coordinators console:':<22}{link}   (sign-in link, 15 minutes)")
            return
    people = [
        c.email for c, _fixed in coordinators.list_all(store, settings) if c.role == coordinators.COORDINATOR
    ]
    who = people[0] if people else "EMAIL"
    first = "" if people else "sidebyside coordinators add EMAIL, then "
    click.echo(
        f"  {'Coordinators console:':<22}sign in with a link from: {first}sidebyside coordinators sign-in-link {who}"
    )
