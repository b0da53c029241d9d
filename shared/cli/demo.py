"""``sidebyside demo``: local data for a first look, and the links a newcomer should open."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from shared import bootstrap
from shared.services import coordinators, links, signin, supporters, surveys

DEMO_ALIAS = "demo-supporter"
DEMO_SURVEY = "demo"
LOCAL_COORDINATOR = "coordinator@example.org"


@click.command()
def demo() -> None:
    """Create a demo supporter and a demo survey (once) and print fresh links to open.

    Only for the embedded SQLite store: it refuses to put demo data in a cloud store.
    """
    app = bootstrap.app()
    settings, store = app.settings, app.store
    if settings.store.kind != "sqlite":
        raise click.ClickException(
            "demo only runs on the local SQLite store (SIDEBYSIDE_STORE=sqlite:///...)"
        )
    today = surveys.today_in(settings)
    existing = store.find_supporter(DEMO_ALIAS)
    if existing is None:
        issued = supporters.add_supporter(store, settings, DEMO_ALIAS)
    else:
        issued = supporters.relink(store, settings, existing)  # tokens are never stored: make a new one
    if store.get_survey(DEMO_SURVEY) is None:
        surveys.create_survey(store, DEMO_SURVEY, k10=True, today=today)
    [survey_link] = links.issue_links(store, settings, DEMO_SURVEY, 1, today)
    click.echo("Open these (local demo data in .data/):")
    click.echo(f"  Supporter log form:   {issued.link}")
    click.echo(f"  Student survey link:  {survey_link}   (single use)")
    if not store.list_coordinators():  # an empty database: a local coordinator to sign in as
        coordinators.add(store, LOCAL_COORDINATOR, today=today)
    sign_in = signin.issue_link(store, settings, LOCAL_COORDINATOR, datetime.now(UTC))
    if sign_in:
        click.echo(f"  Coordinators' console: {sign_in}   (sign-in link, 15 minutes)")
    click.echo(f"  Mail goes to:         {settings.mail.path or settings.mail.kind}")
    if not settings.admin_token:
        click.echo("  Admin API: off; set SIDEBYSIDE_ADMIN_TOKEN to use /admin/ (see README).")


COMMANDS = [demo]
