"""The upgrade from a version without the interaction tally: the daily job rebuilds it once, when
the store says it was never built, and ``sidebyside maintenance rebuild-tallies`` on demand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from shared import jobs
from shared.cli import cli
from tests.contract.test_tally_rebuild import EVER, forget_tallies, pre_upgrade, recounted


def counted(store) -> int:
    return sum(n for *_, n in store.interaction_tallies(*EVER))


@pytest.mark.stores("firestore")
def test_the_daily_job_rebuilds_the_tally_once_after_the_upgrade(app):
    store = app.store
    stored = pre_upgrade(store)
    assert counted(store) < stored  # the upgrade gap
    jobs.run_job(app, "daily", datetime.now(UTC))
    assert list(store.interaction_tallies(*EVER)) == recounted(store)
    assert counted(store) == stored
    # Built: later days only read the marker, so a tally taken away now stays away (which is
    # what shows the job does not recount every day).
    forget_tallies(store)
    jobs.run_job(app, "daily", datetime.now(UTC) + timedelta(days=1))  # the next day's job
    assert counted(store) == 0


@pytest.mark.stores("memory", "firestore")
def test_the_cli_command_rebuilds_the_tally(app):
    stored = pre_upgrade(app.store)
    result = CliRunner().invoke(cli, ["maintenance", "rebuild-tallies"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"The interaction tally counts {stored} interaction(s), as stored.\n"
    assert list(app.store.interaction_tallies(*EVER)) == recounted(app.store)
    again = CliRunner().invoke(cli, ["maintenance", "rebuild-tallies"])
    assert (again.exit_code, again.stdout) == (0, result.stdout)
