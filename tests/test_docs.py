"""The docs are checked: every command and entry point has help text and is in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from shared.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def commands(group: click.Group, prefix: str = "sidebyside") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(commands(command, path))
    return found


@pytest.mark.parametrize(("path", "command"), commands(cli), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_help_and_is_in_the_readme(path: str, command: click.Command):
    assert (command.help or "").strip(), f"{path} has no help text"
    assert path in README, f"the README never shows `{path}`"


def test_the_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_every_function_entry_point_has_a_docstring_and_is_in_the_readme():
    import functions.main as main

    for name in main.FUNCTIONS:
        assert (getattr(main, name).__doc__ or "").strip(), f"{name} has no docstring"
        assert f"`{name}`" in README, f"the README never names `{name}`"
