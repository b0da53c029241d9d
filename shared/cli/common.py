"""What every command module shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from shared.error_table import exit_code, one_line, outcome_for


@contextmanager
def one_line_errors() -> Iterator[None]:
    """A library exception is one line and the error table's exit code, also when a group
    runs standalone (without :func:`shared.cli.main`)."""
    try:
        yield
    except Exception as exc:
        if outcome_for(exc) is None:
            raise  # a bug: its traceback is what the developer needs
        error = click.ClickException(one_line(exc))
        error.exit_code = exit_code(exc)
        raise error from None
