"""Local set-up (issue 12 items 19-20): links follow the server's port, and demo data stays
demo (created only in an empty store, never re-issued or reactivated, out of exports)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from shared import config
from shared.cli import cli
from shared.services import exports, interactions, supporters
from shared.services.demo import DEMO_ALIAS, DEMO_SURVEY, ensure_demo
from tests.support.emulator import free_port
from tests.test_log_support import answers

CLI = [sys.executable, "-m", "shared.cli"]


def local_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SIDEBYSIDE_")}


def test_commands_in_another_shell_link_to_the_port_the_server_runs_on(tmp_path: Path):
    # Issue 12 item 19: `make run PORT=18988`, then the CLI in another shell printed :8080 links.
    port = free_port()
    server_env = {**local_env(), "SIDEBYSIDE_ADMIN_TOKEN": "x" * 40}
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--no-jobs"], cwd=tmp_path, env=server_env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        other_shell = local_env()  # no SIDEBYSIDE_BASE_URL, as in a new terminal
        added = subprocess.run(
            [*CLI, "supporters", "add", "Sam"], cwd=tmp_path, env=other_shell, capture_output=True, text=True
        )
        assert added.returncode == 0, added.stderr
        link = added.stdout.strip()
        assert link.startswith(f"http://127.0.0.1:{port}/log_interaction/?t=")
        assert urllib.request.urlopen(link, timeout=5).status == 200
        # SIDEBYSIDE_BASE_URL still says otherwise when set.
        told = {**other_shell, "SIDEBYSIDE_BASE_URL": "https://peer.example.org"}
        relinked = subprocess.run(
            [*CLI, "supporters", "relink", "Sam"], cwd=tmp_path, env=told, capture_output=True, text=True
        )
        assert relinked.stdout.startswith("https://peer.example.org/log_interaction/?t=")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_recorded_url_is_the_servers_base_url_when_it_has_one(tmp_path: Path):
    config.record_server_url(tmp_path, "0.0.0.0", 9000, env={})  # noqa: S104
    assert (
        config.load({"SIDEBYSIDE_DATA_DIR": str(tmp_path)}, base=tmp_path).base_url == "http://127.0.0.1:9000"
    )
    config.record_server_url(
        tmp_path, "127.0.0.1", 9000, env={"SIDEBYSIDE_BASE_URL": "https://x.example.org/"}
    )
    assert (
        config.load({"SIDEBYSIDE_DATA_DIR": str(tmp_path)}, base=tmp_path).base_url == "https://x.example.org"
    )


def demo_lines() -> list[str]:
    """What demo prints, but the console's sign-in link: that one is fresh on every run (a link
    that works once is stored only as a hash, so it cannot be shown twice)."""
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    console = [line for line in lines if "Coordinators console:" in line]
    assert all("/console/sign-in/" in line for line in console)
    return [line for line in lines if line not in console]


def test_demo_runs_again_change_nothing_and_show_the_same_links(app):
    first = demo_lines()
    [supporter] = app.store.list_supporters()
    links_issued = app.store.get_survey(DEMO_SURVEY).links_issued
    second = demo_lines()
    assert second[0] == "Demo data from an earlier run (nothing re-issued; a used survey link stays used):"
    assert second[1:] == first[1:]
    assert app.store.list_supporters() == [supporter]  # same version: the printed link still works
    assert app.store.get_survey(DEMO_SURVEY).links_issued == links_issued == 1


def test_demo_never_brings_back_a_revoked_demo_supporter(app):
    demo_lines()
    supporters.revoke(app.store, supporters.by_alias(app.store, DEMO_ALIAS))
    revoked = supporters.by_alias(app.store, DEMO_ALIAS)
    demo_lines()
    assert supporters.by_alias(app.store, DEMO_ALIAS) == revoked and not revoked.active


def test_demo_leaves_a_store_with_real_data_alone(app):
    supporters.add_supporter(app.store, app.settings, "Sam")
    assert demo_lines() == ["The store holds a program's own data: no demo data added."]
    assert [s.alias for s in app.store.list_supporters()] == ["Sam"]
    assert app.store.list_surveys() == []


def test_exports_leave_the_demo_supporter_out_unless_asked(app):
    ensure_demo(app.store, app.settings)
    demo = supporters.by_alias(app.store, DEMO_ALIAS)
    context = interactions.validation_context(app.settings, "en")
    interactions.record(
        app.store, demo, answers(), submission="00000000-0000-4000-8000-000000000001", context=context
    )
    assert list(exports.export_interactions(app.store).rows) == []
    [row] = exports.export_interactions(app.store, include_demo=True).rows
    assert row[:2] == ["00000000-0000-4000-8000-000000000001", DEMO_ALIAS]
    assert len(list(app.store.iter_interactions(date.min, date.max))) == 1


def test_demo_links_file_is_readable_by_its_owner_only(app):
    demo_lines()
    saved = app.settings.data_dir / "demo_links.txt"
    assert saved.stat().st_mode & 0o777 == 0o600
    assert re.search(r"/log_interaction/\?t=", saved.read_text())
