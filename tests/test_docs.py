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


def test_the_architecture_diagram_shows_every_function():
    import functions.main as main

    [diagram] = [block for block in README.split("```")[1::2] if "create_app(function_name" in block]
    top = diagram.splitlines()[1]  # the row of entry points
    for name in main.FUNCTIONS:
        assert f" {name} " in top, f"the architecture diagram leaves out {name}"


def _make_dry_run(target: str, tmp_path: Path) -> str:
    """What `make TARGET` would run in a fresh clone (no .venv yet), without running it."""
    import shutil
    import subprocess

    for name in (
        "Makefile",
        "requirements.txt",
        "requirements-dev.txt",
        "pyproject.toml",
        "package.json",
        "package-lock.json",
    ):
        shutil.copy(ROOT / name, tmp_path / name)
    result = subprocess.run(["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_installs_the_program_only_and_make_test_adds_the_test_tools(tmp_path: Path):
    run = _make_dry_run("run", tmp_path)
    assert "-r requirements.txt" in run and "requirements-dev" not in run and "npm" not in run
    test = _make_dry_run("test", tmp_path)
    assert "-r requirements-dev.txt" in test and "npm ci" in test
    assert "Node.js/npm and git" not in README  # make run does not need npm


def test_every_setting_is_in_the_readmes_configuration_table():
    from shared import config

    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| `SIDEBYSIDE_")]
    missing = [key for key in config.DEFAULTS if not any(f"`SIDEBYSIDE_{key}`" in row for row in table)]
    assert missing == []
