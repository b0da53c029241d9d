"""``sidebyside export`` and ``sidebyside import``: interactions and survey responses as CSV.

Exports go to stdout a chunk at a time (``> file.csv``), so a million rows need no memory.
Imports are all or nothing and can be repeated without doubling anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import click

from shared.bootstrap import App
from shared.cli.common import one_line_errors
from shared.cli.trail import acting, outcome
from shared.services import exports, imports

PROGRESS_FROM_BYTES = 1 << 20  # a progress bar (on stderr) for files of 1 MB and more


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _write(table: exports.Table, bom: bool) -> None:
    out = click.get_binary_stream("stdout")
    acting()  # rows go out from here: audited even if the export stops part way
    try:
        for chunk in table.chunks(bom=bom):
            out.write(chunk.encode("utf-8"))
        out.flush()
    except BrokenPipeError:
        # The reader stopped early (`... | head`): not an error. Point stdout at /dev/null so
        # the interpreter's last flush does not fail too (the recipe in Python's signal docs).
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())


@click.group("export")
def export_group() -> None:
    """Write interactions or survey responses as CSV to stdout (redirect with > FILE.csv)."""


@export_group.command("interactions")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD) to include.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD) to include.")
@click.option("--bom", is_flag=True, help="Start with a UTF-8 byte order mark, for Excel.")
@click.option(
    "--include-demo", is_flag=True, help="Include the demo supporter's interactions (`sidebyside demo`)."
)
@click.pass_obj
def export_interactions(
    app: App, start: datetime | None, end: datetime | None, bom: bool, include_demo: bool
) -> None:
    """One row per interaction: id, supporter alias and the log form's answers."""
    with one_line_errors():
        table = exports.export_interactions(app.store, _day(start), _day(end), include_demo=include_demo)
        _write(table, bom)


@export_group.command("responses")
@click.option("--survey", "survey_id", required=True, help="The survey's id.")
@click.option("--bom", is_flag=True, help="Start with a UTF-8 byte order mark, for Excel.")
@click.option(
    "--whole-survey-only-items",
    "whole_survey_only",
    is_flag=True,
    help="Include the answers reported only over the whole survey (PHQ-9 item 9), left out by default.",
)
@click.pass_obj
def export_responses(app: App, survey_id: str, bom: bool, whole_survey_only: bool) -> None:
    """One row per survey response, without any id or date, in random order."""
    with one_line_errors():
        _write(exports.export_responses(app.store, survey_id, whole_survey_only=whole_survey_only), bom)


@click.group("import")
def import_group() -> None:
    """Read interactions or survey responses from CSV (an export, or a Google Forms/Excel sheet
    with the same columns). All or nothing; importing a file again adds nothing twice."""


@contextmanager
def _progress(path: Path) -> Iterator[imports.Progress | None]:
    size = path.stat().st_size
    if size < PROGRESS_FROM_BYTES:
        yield None
        return
    # Both passes (check, then store) read the whole file, hence twice its size.
    with click.progressbar(
        length=2 * size, label=f"Importing {path.name}", file=click.get_text_stream("stderr")
    ) as bar:
        yield bar.update


_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def _report(result: imports.Imported, what: str) -> None:
    outcome(f"{result.rows} rows, {result.added} new")
    again = f" ({result.already_there} already there)" if result.already_there else ""
    click.echo(f"Imported {result.added} {what}{again}.")


@import_group.command("interactions")
@click.argument("file", type=_FILE)
@click.option(
    "--create-supporters",
    is_flag=True,
    help="Add supporters whose alias is not known yet (without email) instead of stopping.",
)
@click.pass_obj
def import_interactions(app: App, file: Path, create_supporters: bool) -> None:
    """Import interactions from FILE: a supporter column (aliases) and the log form's columns."""
    with one_line_errors(), _progress(file) as progress:
        result = imports.import_interactions(
            app.store,
            app.settings,
            file,
            create_supporters=create_supporters,
            progress=progress,
            writing=acting,  # audited from its first write, even if it stops part way
        )
    if result.created_supporters:
        click.echo(
            f"Added supporters {', '.join(result.created_supporters)}; give each a link with "
            "`sidebyside supporters relink ALIAS`.",
            err=True,
        )
    _report(result, "interactions")


@import_group.command("responses")
@click.argument("file", type=_FILE)
@click.option(
    "--survey", "survey_id", required=True, help="The survey's id (created when it does not exist)."
)
@click.pass_obj
def import_responses(app: App, file: Path, survey_id: str) -> None:
    """Import survey responses from FILE: the survey form's columns (barriers.<service>.<barrier> as 1/0)."""
    with one_line_errors(), _progress(file) as progress:
        result = imports.import_responses(
            app.store, app.settings, file, survey_id, progress=progress, writing=acting
        )
    if result.created_survey:
        click.echo(f"Created survey {survey_id}.", err=True)
    _report(result, "responses")
