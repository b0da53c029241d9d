"""The ``sidebyside`` command. Each command opens the store and calls one library function;
library exceptions become one clear line on stderr and a non-zero exit code."""

from __future__ import annotations

import importlib
import sys

import click

from shared.config import ConfigError
from shared.errors import ServiceError
from shared.mail.port import MailError
from shared.store.port import StoreError

# Feature modules that add commands; each exposes COMMANDS, a list of click commands/groups.
COMMAND_MODULES = (
    "shared.cli.serve",
    "shared.cli.demo",
    "shared.cli.supporters",
    "shared.cli.surveys",
    "shared.cli.data",
    "shared.cli.report",
    "shared.cli.coordinators",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Side-by-Side: interaction log, anonymous survey and coordinators' report.

    Settings come from SIDEBYSIDE_* environment variables (see the README).
    """


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as _exc:
        if _exc.name != _name:
            raise
        continue
    for _command in _module.COMMANDS:
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
    except (ConfigError, ServiceError, StoreError, MailError) as exc:
        click.echo(f"Error: {exc}", err=True)
        return 2 if isinstance(exc, ConfigError) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
