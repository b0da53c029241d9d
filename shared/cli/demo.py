"""``sidebyside demo``: local data for a first look, and the links a newcomer should open."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from shared.bootstrap import App
from shared.services import coordinators, signin, surveys
from shared.services.demo import ensure_demo

LOCAL_COORDINATOR = "coordinator@example.org"


@click.command()
@click.pass_obj
def demo(app: App) -> None:
    """Create a demo supporter and a demo survey in an empty store, and print their links.

    Run again, it shows the same links and changes nothing; a store with real data is left alone.
    Only for the embedded SQLite store: it refuses to put demo data in a cloud store. On an empty
    store it also adds a local coordinator, and each run prints a fresh console sign-in link for it.
    """
    settings, store = app.settings, app.store
    if settings.store.kind != "sqlite":
        raise click.ClickException(
            "demo only runs on the local SQLite store (SIDEBYSIDE_STORE=sqlite:///...)"
        )
    done = ensure_demo(store, settings)
    if done.state == "skipped":
        click.echo("The store holds a program's own data: no demo data added.")
        return
    if done.state == "existing":
        click.echo("Demo data from an earlier run (nothing re-issued; a used survey link stays used):")
    else:
        click.echo("Open these (local demo data in .data/):")
    if done.state == "created" and not store.list_coordinators():
        coordinators.add(store, LOCAL_COORDINATOR, today=surveys.today_in(settings))
    for label, url in done.links:
        click.echo(f"  {label + ':':<22}{url}")
    # Sign-in links work once, so a fresh one each run (it changes nothing else).
    sign_in = signin.issue_link(store, settings, LOCAL_COORDINATOR, datetime.now(UTC))
    if sign_in and store.get_coordinator(LOCAL_COORDINATOR) is not None:
        click.echo(f"  {'Coordinators console:':<22}{sign_in}   (sign-in link, 15 minutes)")
    click.echo(f"  {'Mail goes to:':<22}{settings.mail.path or settings.mail.kind}")
    if not settings.admin_token:
        click.echo("  Admin API: off; set SIDEBYSIDE_ADMIN_TOKEN to use /admin/ (see README).")
