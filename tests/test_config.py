"""Settings: working defaults, and one clear line naming the variable for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import ConfigError, load


def test_defaults_work_locally(tmp_path: Path):
    settings = load({}, base=tmp_path)
    assert settings.store.kind == "sqlite"
    assert settings.store.path == str(tmp_path / ".data" / "sidebyside.db")
    assert settings.mail.kind == "outbox" and settings.mail.path == str(tmp_path / ".data" / "outbox")
    assert settings.timezone.key == "America/Toronto"
    assert settings.log_link("TOK") == "http://127.0.0.1:8080/log_interaction/?t=TOK"
    assert settings.survey_link("TOK") == "http://127.0.0.1:8080/survey/TOK"


def test_secret_key_is_generated_once_and_kept_outside_the_data_folder(tmp_path: Path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    first = load(env, base=tmp_path).secret_key
    assert len(first) >= 32
    assert load(env, base=tmp_path).secret_key == first
    # A copy of the data folder (store, outbox) must not carry the key that opens its sealed answers.
    assert not (tmp_path / ".data" / "secret_key").exists()
    assert [p.read_text() for p in (tmp_path / ".data").rglob("*") if p.is_file()].count(first) == 0
    [key] = (tmp_path / "config" / "sidebyside" / "keys").iterdir()
    assert key.read_text() == first and key.stat().st_mode & 0o777 == 0o600
    assert key.parent.stat().st_mode & 0o777 == 0o700


def test_two_data_folders_get_two_keys(tmp_path: Path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    one = load(env, base=tmp_path / "one").secret_key
    two = load(env, base=tmp_path / "two").secret_key
    assert one != two


def test_without_xdg_the_key_goes_under_home_dot_config(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    key = load({"HOME": str(tmp_path / "home")}, base=tmp_path).secret_key
    [path] = (tmp_path / "home" / ".config" / "sidebyside" / "keys").iterdir()
    assert path.read_text() == key


def test_a_key_left_in_the_data_folder_is_moved_out_and_kept(tmp_path: Path, capsys):
    data = tmp_path / ".data"
    data.mkdir()
    (data / "secret_key").write_text("an-older-local-key-0123456789abcdef\n")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    assert load(env, base=tmp_path).secret_key == "an-older-local-key-0123456789abcdef"  # old links work
    assert not (data / "secret_key").exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "moved the local secret key out of the data folder" in err
    assert load(env, base=tmp_path).secret_key == "an-older-local-key-0123456789abcdef"
    assert capsys.readouterr().err == ""


def test_outbox_keeps_links_only_when_asked(tmp_path: Path):
    assert load({}, base=tmp_path).mail.keep_links is False
    kept = load({"SIDEBYSIDE_MAIL": "outbox:mail?keep_links=1"}, base=tmp_path).mail
    assert (kept.path, kept.keep_links) == (str(tmp_path / "mail"), True)
    for bad in ("outbox:mail?keep_links=yes", "outbox:mail?keep=1", "outbox:?keep_links=1"):
        with pytest.raises(ConfigError, match="SIDEBYSIDE_MAIL"):
            load({"SIDEBYSIDE_MAIL": bad}, base=tmp_path)


def test_store_and_mail_urls_parse(tmp_path: Path):
    s = load(
        {
            "SIDEBYSIDE_STORE": "firestore://my-project/peer-db",
            "SIDEBYSIDE_MAIL": "smtp://me%40x.org:p%40ss@mail.x.org:587?tls=starttls",
        },
        base=tmp_path,
    )
    assert (s.store.kind, s.store.project, s.store.database) == ("firestore", "my-project", "peer-db")
    assert (s.mail.host, s.mail.port, s.mail.user, s.mail.password, s.mail.tls) == (
        "mail.x.org",
        587,
        "me@x.org",
        "p@ss",
        "starttls",
    )
    assert load({"SIDEBYSIDE_STORE": "firestore://p"}, base=tmp_path).store.database == "(default)"
    assert load({"SIDEBYSIDE_MAIL": "ses://ca-central-1"}, base=tmp_path).mail.region == "ca-central-1"


def test_deployed_urls_replace_local_links(tmp_path: Path):
    s = load(
        {
            "SIDEBYSIDE_LOG_URL": "https://r-p.cloudfunctions.net/log_interaction",
            "SIDEBYSIDE_SURVEY_URL": "https://r-p.cloudfunctions.net/survey/",
        },
        base=tmp_path,
    )
    assert s.log_link("T") == "https://r-p.cloudfunctions.net/log_interaction/?t=T"
    assert s.survey_link("T") == "https://r-p.cloudfunctions.net/survey/T"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("STORE", "postgres://x", "sqlite:///PATH or firestore://PROJECT"),
        ("STORE", "firestore://", "firestore://PROJECT"),
        ("MAIL", "smtp://host:notaport", "smtp://USER:PASS@HOST:PORT"),
        ("MAIL", "smtp://h:25?tls=maybe", "tls=starttls|ssl"),
        ("MAIL", "pigeon:", "outbox:DIR"),
        ("TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("PROGRAM_START", "next year", "YYYY-MM-DD"),
        ("SMALL_CELL", "0", "whole number from 1"),
        ("ACADEMIC_YEAR_START_MONTH", "13", "from 1 to 12"),
        ("COORDINATORS", "a@x.org, not an address", "comma-separated email addresses"),
        ("BASE_URL", "localhost:8080", "http:// or https:// URL"),
        ("REPORT_SCHEDULE", "monthly", "cron expression"),
        ("SECRET_KEY", "short", "at least 16 characters"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, name: str, value: str, says: str):
    with pytest.raises(ConfigError) as caught:
        load({f"SIDEBYSIDE_{name}": value}, base=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"SIDEBYSIDE_{name}=")
    assert says in message
    assert "\n" not in message
    if name == "SECRET_KEY":
        assert value not in message  # secrets are never echoed


def test_cli_reports_bad_config_in_one_line(tmp_path: Path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "shared.cli", "serve", "--port", "1"],
        env={"SIDEBYSIDE_STORE": "mysql://nope", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: SIDEBYSIDE_STORE='mysql://nope' is not valid: expected sqlite:///PATH or firestore://PROJECT[/DATABASE]"
    ]
