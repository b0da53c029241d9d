"""``sidebyside maintenance``: repairs an operator runs by hand, each safe to repeat."""

from __future__ import annotations

import click

from shared.bootstrap import App
from shared.cli.common import one_line_errors
from shared.services import tallies


@click.group()
def maintenance() -> None:
    """Repairs of the store, each safe to repeat and to run while the program is in use."""


@maintenance.command("rebuild-tallies")
@click.pass_obj
def rebuild_tallies(app: App) -> None:
    """Recount the per-day interaction tally from every stored interaction.

    On Firestore the report reads this tally, not the interactions. The daily job rebuilds it
    once after an upgrade from a version without it; run this to do it now, or after restoring
    interactions into the database by other means. Safe while supporters log interactions, and
    a second run changes nothing. SQLite counts on reading: there it only counts.
    """
    with one_line_errors():
        counted = tallies.rebuild(app.store)
    click.echo(f"The interaction tally counts {counted} interaction(s), as stored.")
