"""What every command module shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from shared.errors import ServiceError


@contextmanager
def one_line_errors() -> Iterator[None]:
    """A service refusal is its message and exit code 1, also when a group runs standalone."""
    try:
        yield
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
