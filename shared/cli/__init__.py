"""The ``sidebyside`` command. The group builds the App once (:mod:`shared.bootstrap`) and
hands it to every command through click's context object; each command calls one library
function. Library exceptions become one clear line on stderr and the exit code the error
table (:mod:`shared.error_table`) gives them. Every command that changes or reveals the
program's data is audited in one place, :mod:`shared.cli.trail`."""

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
from shared.cli.trail import install as install_audit_trail
from shared.error_table import exit_code, one_line, outcome_for

CREATE_DATA = ("serve", "demo")


class _Cli(click.Group):
    """The top group; it notes whether help was asked for anywhere on the command line (the
    group's callback then builds no App: help needs no settings and creates no data folder)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["help_asked"] = bool({"-h", "--help"} & set(args))
        return super().parse_args(ctx, args)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Side-by-Side: interaction log, anonymous survey and coordinators' report.

    Settings come from SIDEBYSIDE_* environment variables (see the README).
    """
    if ctx.obj is None:
        if ctx.meta.get("help_asked"):
            return  # help needs no settings, and must not create a data folder
        # Only serve and demo may start a new local store (and key).
        ctx.obj = bootstrap.app(may_create_data=ctx.invoked_subcommand in CREATE_DATA)


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
install_audit_trail(cli)  # every command that changes or reveals data leaves an audit entry (actor cli)


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
