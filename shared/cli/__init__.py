"""The ``sidebyside`` command. The group builds the App once (:mod:`shared.bootstrap`) and
hands it to every command through click's context object; each command calls one library
function. Library exceptions become one clear line on stderr and the exit code the error
table (:mod:`shared.error_table`) gives them."""

from __future__ import annotations

import sys

import click

from shared import bootstrap
from shared.cli.coordinators import audit, coordinators
from shared.cli.data import export_group, import_group
from shared.cli.demo import demo
from shared.cli.maintenance import maintenance
from shared.cli.report import report
from shared.cli.serve import serve
from shared.cli.supporters import supporters
from shared.cli.surveys import surveys
from shared.error_table import exit_code, one_line, outcome_for


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Side-by-Side: interaction log, anonymous survey and coordinators' report.

    Settings come from SIDEBYSIDE_* environment variables (see the README).
    """
    if ctx.obj is None:
        ctx.obj = bootstrap.app()


for _command in (
    serve,
    demo,
    supporters,
    surveys,
    export_group,
    import_group,
    report,
    coordinators,
    audit,
    maintenance,
):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="sidebyside", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except Exception as exc:
        if outcome_for(exc) is None:
            raise  # a bug: its traceback is what the developer needs
        click.echo(f"Error: {one_line(exc)}", err=True)
        return exit_code(exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
