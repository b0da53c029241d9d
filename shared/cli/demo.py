"""``sidebyside demo``: local data for a first look, and the links a newcomer should open."""

from __future__ import annotations

import click

from shared import bootstrap
from shared.records import DEMO_ALIAS
from shared.services import links, supporters, surveys

DEMO_SURVEY = "demo"


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
    click.echo(f"  Mail goes to:         {settings.mail.path or settings.mail.kind}")
    if not settings.admin_token:
        click.echo("  Admin API: off; set SIDEBYSIDE_ADMIN_TOKEN to use /admin/ (see README).")


COMMANDS = [demo]
