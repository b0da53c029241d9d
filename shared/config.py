"""Settings: one mapping of defaults, read once from ``SIDEBYSIDE_*`` environment variables.

Every setting has a working local default. A bad value raises :class:`ConfigError`
whose message is one line naming the variable and what it accepts.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.addresses import BadAddress, mail_address, mailbox

PREFIX = "SIDEBYSIDE_"
MIN_ADMIN_TOKEN = 32  # characters; a short bearer token can be guessed
SERVER_URL_FILE = "server_url"  # in the data folder: where `sidebyside serve` listens

DEFAULTS: dict[str, str] = {
    "STORE": "sqlite:///.data/sidebyside.db",
    "MAIL": "outbox:.data/outbox",
    "SECRET_KEY": "",
    "ADMIN_TOKEN": "",
    "BASE_URL": "http://127.0.0.1:8080",
    "COORDINATORS": "",
    "TIMEZONE": "America/Toronto",
    "PROGRAM_NAME": "Side-by-Side Peer Support Program",
    "PROGRAM_NAME_FR": "",  # unset: see program_name_fr below
    "PROGRAM_START": "2018-09-01",
    "MAIL_FROM": "Side-by-Side <no-reply@localhost>",
    "REPLY_TO": "",
    "CRISIS_LINE": "In crisis? Call or text 9-8-8, or 911 in an emergency.",
    "CRISIS_LINE_FR": "En crise\u202f? Appelez ou textez le 9-8-8, ou le 911 en cas d'urgence.",
    "SUPPORT_RESOURCES": "You do not have to face this alone. The Faculty's Student Affairs / Wellness office "
    "offers free, confidential counselling, and your peer supporters can help you find the right support.",
    "SUPPORT_RESOURCES_FR": "Vous n'avez pas à traverser cela seul(e). Le bureau des Affaires étudiantes / "
    "Mieux-être de la Faculté offre du counseling gratuit et confidentiel, et vos pairs aidants peuvent vous "
    "aider à trouver le bon soutien.",
    "PURGE_GRACE_DAYS": "14",
    "SMALL_CELL": "5",
    "ACADEMIC_YEAR_START_MONTH": "9",
    "REPORT_LANGUAGE": "en",
    "REPORT_SCHEDULE": "0 7 1 * *",
    "LOG_URL": "",
    "SURVEY_URL": "",
    "ADMIN_URL": "",
    "CONSOLE_URL": "",
    "TRUSTED_PROXIES": "",
    "DATA_DIR": ".data",
}


class ConfigError(ValueError):
    """A setting has a value the program cannot use."""


@dataclass(frozen=True)
class StoreTarget:
    kind: str  # "sqlite" or "firestore"
    path: str = ""  # sqlite file path
    project: str = ""  # firestore project
    database: str = "(default)"


@dataclass(frozen=True)
class MailTarget:
    kind: str  # "outbox", "smtp" or "ses"
    path: str = ""
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = field(default="", repr=False)
    tls: str = ""  # "", "starttls" or "ssl"
    region: str = ""
    keep_links: bool = False  # outbox only: keep survey links in invitations (trying things out)


@dataclass(frozen=True)
class Settings:
    store: StoreTarget
    mail: MailTarget
    secret_key: str = field(repr=False)
    admin_token: str = field(repr=False)
    base_url: str
    coordinators: tuple[str, ...]
    timezone: ZoneInfo
    program_name: str
    program_start: date
    mail_from: str
    reply_to: str  # where replies to invitations and reminders go ("" for none)
    crisis_line: dict[str, str]
    support_resources: dict[str, str]  # shown prominently on the survey's thank-you page when needed
    purge_grace_days: int
    small_cell: int
    academic_year_start_month: int
    report_schedule: str
    log_url: str
    survey_url: str
    admin_url: str
    data_dir: Path
    report_language: str = "en"  # the coordinators' report: "en" or "fr"
    console_url: str = ""
    # Reverse proxies whose X-Forwarded-For is believed (besides Cloud Run's front end).
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    program_name_fr: str = ""  # the name in French text; "" means program_name

    def program_title(self, lang: str) -> str:
        """The program's name in ``lang``: the French one in French text when there is one."""
        return self.program_name_fr if lang == "fr" and self.program_name_fr else self.program_name

    def log_link(self, token: str) -> str:
        """The supporter's personal link: the deployed function URL when set, else the local path."""
        base = self.log_url.rstrip("/") if self.log_url else f"{self.base_url}/log_interaction"
        return f"{base}/?t={token}"

    def survey_link(self, token: str) -> str:
        base = self.survey_url.rstrip("/") if self.survey_url else f"{self.base_url}/survey"
        return f"{base}/{token}"


def _fail(name: str, accepts: str, value: str) -> ConfigError:
    return ConfigError(f"{PREFIX}{name}={value!r} is not valid: expected {accepts}")


def parse_store(value: str, base: Path) -> StoreTarget:
    accepts = "sqlite:///PATH or firestore://PROJECT[/DATABASE]"
    if value.startswith("sqlite:///"):
        path = value[len("sqlite:///") :]
        if not path:
            raise _fail("STORE", accepts, value)
        if path == ":memory:":
            raise _fail("STORE", accepts + " (a file, not :memory:)", value)
        p = Path(path)
        return StoreTarget("sqlite", path=str(p if p.is_absolute() else base / p))
    if value.startswith("firestore://"):
        rest = value[len("firestore://") :].strip("/")
        parts = rest.split("/")
        if not parts[0] or len(parts) > 2:
            raise _fail("STORE", accepts, value)
        return StoreTarget(
            "firestore", project=parts[0], database=parts[1] if len(parts) == 2 else "(default)"
        )
    raise _fail("STORE", accepts, value)


def parse_mail(value: str, base: Path) -> MailTarget:
    accepts = "outbox:DIR[?keep_links=1], smtp://USER:PASS@HOST:PORT[?tls=starttls|ssl] or ses://REGION"
    if value.startswith("outbox:"):
        path, _, query = value[len("outbox:") :].partition("?")
        options = parse_qs(query, keep_blank_values=True)
        if (
            not path
            or set(options) - {"keep_links"}
            or options.get("keep_links", ["0"]) not in (["0"], ["1"])
        ):
            raise _fail("MAIL", accepts, value)
        p = Path(path)
        return MailTarget(
            "outbox",
            path=str(p if p.is_absolute() else base / p),
            keep_links=options.get("keep_links") == ["1"],
        )
    url = urlparse(value)
    if url.scheme == "smtp":
        try:
            port = url.port or 25
        except ValueError:
            raise _fail("MAIL", accepts, value) from None
        tls = parse_qs(url.query).get("tls", [""])[0]
        if not url.hostname or tls not in ("", "starttls", "ssl"):
            raise _fail("MAIL", accepts, value)
        return MailTarget(
            "smtp",
            host=url.hostname,
            port=port,
            user=unquote(url.username or ""),
            password=unquote(url.password or ""),
            tls=tls,
        )
    if url.scheme == "ses":
        if not url.hostname:
            raise _fail("MAIL", accepts, value)
        return MailTarget("ses", region=url.hostname)
    raise _fail("MAIL", accepts, value)


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, f"a whole number from {low} to {high}", value) from None
    if not low <= number <= high:
        raise _fail(name, f"a whole number from {low} to {high}", value)
    return number


def _url(name: str, value: str, required: bool) -> str:
    if not value and not required:
        return ""
    url = urlparse(value)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise _fail(name, "an http:// or https:// URL", value)
    return value.rstrip("/")


def _networks(name: str, value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return tuple(ip_network(item.strip(), strict=False) for item in value.split(",") if item.strip())
    except ValueError:
        raise _fail(name, "comma-separated IP addresses or networks such as 10.0.0.0/8", value) from None


def _addresses(name: str, value: str) -> tuple[str, ...]:
    out = []
    for item in (a.strip() for a in value.split(",")):
        if item:
            try:
                out.append(mail_address(item))
            except BadAddress as exc:
                raise _fail(name, f"comma-separated email addresses ({item!r}: {exc})", value) from None
    return tuple(out)


def _mailbox(name: str, value: str) -> str:
    if not value:
        return ""
    try:
        return mailbox(value, local_ok=True)
    except BadAddress as exc:
        raise _fail(name, f"an email address, optionally as 'Name <address>' ({exc})", value) from None


def _admin_token(value: str) -> str:
    if value and len(value) < MIN_ADMIN_TOKEN:
        raise _fail(
            "ADMIN_TOKEN",
            f"at least {MIN_ADMIN_TOKEN} characters (for example "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`)",
            "***",
        )
    return value


def local_url(host: str, port: int) -> str:
    """The URL people open for a server listening on ``host:port`` (all interfaces: this machine)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else f"[{host}]" if ":" in host else host  # noqa: S104
    return f"http://{shown}:{port}"


def record_server_url(data_dir: Path, host: str, port: int, env: Mapping[str, str] | None = None) -> None:
    """Note where the local server is reached (``SIDEBYSIDE_BASE_URL`` when the server has it, else
    where it listens), so commands run in another shell, without that variable, link to it."""
    env = os.environ if env is None else env
    url = (
        _url("BASE_URL", env[PREFIX + "BASE_URL"], required=True)
        if env.get(PREFIX + "BASE_URL")
        else local_url(host, port)
    )
    private_dir(data_dir)
    path = data_dir / SERVER_URL_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(url + "\n")
    os.replace(tmp, path)


def _base_url(env: Mapping[str, str], data_dir: Path) -> str:
    """``SIDEBYSIDE_BASE_URL`` when set; else the URL the local server last recorded; else the default."""
    if PREFIX + "BASE_URL" in env:
        return _url("BASE_URL", env[PREFIX + "BASE_URL"], required=True)
    try:
        recorded = (data_dir / SERVER_URL_FILE).read_text().strip()
    except OSError:
        recorded = ""
    return _url("BASE_URL", recorded or DEFAULTS["BASE_URL"], required=True)


def private_dir(path: Path) -> None:
    """Create ``path`` readable by its owner only (0700), or make it so: it holds the store and
    the outbox (or the generated keys)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid():
        os.chmod(path, 0o700)


def key_file(data_dir: Path, env: Mapping[str, str]) -> Path:
    """Where the generated local key of ``data_dir`` lives: in the user's configuration folder
    (``$XDG_CONFIG_HOME/sidebyside/keys/``, else ``~/.config/sidebyside/keys/``), never beside
    the store, so a copy of the data folder cannot open the answers it holds sealed. The file is
    named for the data folder's absolute path, so two checkouts never share a key."""
    home = env.get("XDG_CONFIG_HOME") or os.environ.get("XDG_CONFIG_HOME")
    config_home = Path(home) if home else Path(env.get("HOME") or Path.home()) / ".config"
    name = hashlib.sha256(str(data_dir.resolve()).encode("utf-8")).hexdigest()[:24]
    return config_home / "sidebyside" / "keys" / name


def _write_key(path: Path, key: str) -> None:
    private_dir(path.parent)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(key)
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)  # atomic and never overwrites a key another process just wrote
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def _secret_key(value: str, data_dir: Path, env: Mapping[str, str]) -> str:
    """Use the configured key, or generate one once for local use, outside the data folder.

    A key an older version left in the data folder is moved out (links it signed keep working).
    """
    if value:
        if len(value) < 16:
            raise _fail("SECRET_KEY", "at least 16 characters", "***")
        return value
    path = key_file(data_dir, env)
    old = data_dir / "secret_key"
    try:
        left = old.read_text().strip()
    except FileNotFoundError:  # none, or another process just moved it
        left = ""
    if left:
        if not path.exists():
            _write_key(path, left)
        if path.read_text().strip() == left:
            old.unlink(missing_ok=True)
            print(f"sidebyside: moved the local secret key out of the data folder to {path}", file=sys.stderr)
        else:
            print(f"sidebyside: {old} differs from {path} and is not used: delete one", file=sys.stderr)
    if not path.exists():
        _write_key(path, secrets.token_urlsafe(32))
    return path.read_text().strip()


def require_local_data(env: Mapping[str, str] | None = None, base: Path | None = None) -> None:
    """Refuse to go on when the local data folder holds no data yet (no generated key for it,
    see :func:`key_file`, and, for the SQLite store, no database file): a command run from another folder would otherwise
    quietly make a new empty store with a new key there. Nothing is checked when the key
    comes from ``SIDEBYSIDE_SECRET_KEY`` and the store is not a local file (a deployment)."""
    env = os.environ if env is None else env
    base = Path.cwd() if base is None else base
    data_dir = Path(env.get(PREFIX + "DATA_DIR", DEFAULTS["DATA_DIR"]))
    data_dir = data_dir if data_dir.is_absolute() else base / data_dir
    store = parse_store(env.get(PREFIX + "STORE", DEFAULTS["STORE"]), base)
    key = key_file(data_dir, env)
    has_key = env.get(PREFIX + "SECRET_KEY") or key.exists() or (data_dir / "secret_key").exists()
    missing = [] if has_key else [key]  # the generated key, or one from before it moved out
    if store.kind == "sqlite":
        missing.append(Path(store.path))
    missing = [path for path in missing if not path.exists()]
    if missing:
        raise ConfigError(
            f"No Side-by-Side data here: {missing[0]} does not exist (SIDEBYSIDE_DATA_DIR is "
            f"{data_dir}; relative settings are read from the current folder, {base}). Run the "
            "command from the project folder, set SIDEBYSIDE_DATA_DIR and SIDEBYSIDE_STORE, or "
            "start a new program with `sidebyside demo` or `make run`."
        )


def load(env: Mapping[str, str] | None = None, base: Path | None = None) -> Settings:
    """Read every setting from ``env`` (default ``os.environ``), relative paths from ``base``."""
    env = os.environ if env is None else env
    base = Path.cwd() if base is None else base
    raw = {key: env.get(PREFIX + key, default) for key, default in DEFAULTS.items()}
    data_dir = Path(raw["DATA_DIR"])
    data_dir = data_dir if data_dir.is_absolute() else base / data_dir
    if data_dir.is_dir():
        private_dir(data_dir)  # one made 0755 by an older version is tightened
    try:
        tz = ZoneInfo(raw["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail("TIMEZONE", "an IANA time zone such as America/Toronto", raw["TIMEZONE"]) from None
    try:
        start = date.fromisoformat(raw["PROGRAM_START"])
    except ValueError:
        raise _fail("PROGRAM_START", "a date as YYYY-MM-DD", raw["PROGRAM_START"]) from None
    coordinators = _addresses("COORDINATORS", raw["COORDINATORS"])
    if raw["REPORT_LANGUAGE"] not in ("en", "fr"):
        raise _fail("REPORT_LANGUAGE", "en or fr", raw["REPORT_LANGUAGE"])
    schedule = raw["REPORT_SCHEDULE"]
    if len(schedule.split()) != 5:
        raise _fail("REPORT_SCHEDULE", "a 5-field cron expression such as '0 7 1 * *'", schedule)
    return Settings(
        store=parse_store(raw["STORE"], base),
        mail=parse_mail(raw["MAIL"], base),
        secret_key=_secret_key(raw["SECRET_KEY"], data_dir, env),
        admin_token=_admin_token(raw["ADMIN_TOKEN"]),
        base_url=_base_url(env, data_dir),
        coordinators=coordinators,
        timezone=tz,
        program_name=raw["PROGRAM_NAME"],
        program_start=start,
        mail_from=_mailbox("MAIL_FROM", raw["MAIL_FROM"]),
        reply_to=_mailbox("REPLY_TO", raw["REPLY_TO"]),
        crisis_line={"en": raw["CRISIS_LINE"], "fr": raw["CRISIS_LINE_FR"]},
        support_resources={"en": raw["SUPPORT_RESOURCES"], "fr": raw["SUPPORT_RESOURCES_FR"]},
        purge_grace_days=_int("PURGE_GRACE_DAYS", raw["PURGE_GRACE_DAYS"], 0, 3650),
        small_cell=_int("SMALL_CELL", raw["SMALL_CELL"], 1, 1000),
        academic_year_start_month=_int("ACADEMIC_YEAR_START_MONTH", raw["ACADEMIC_YEAR_START_MONTH"], 1, 12),
        report_schedule=schedule,
        log_url=_url("LOG_URL", raw["LOG_URL"], required=False),
        survey_url=_url("SURVEY_URL", raw["SURVEY_URL"], required=False),
        admin_url=_url("ADMIN_URL", raw["ADMIN_URL"], required=False),
        data_dir=data_dir,
        report_language=raw["REPORT_LANGUAGE"],
        console_url=_url("CONSOLE_URL", raw["CONSOLE_URL"], required=False),
        trusted_proxies=_networks("TRUSTED_PROXIES", raw["TRUSTED_PROXIES"]),
        program_name_fr=_program_name_fr(raw),
    )


DEFAULT_PROGRAM_NAME_FR = "Programme de soutien par les pairs Side-by-Side"


def _program_name_fr(raw: Mapping[str, str]) -> str:
    """SIDEBYSIDE_PROGRAM_NAME_FR; unset (or blank), the French of the default name while
    SIDEBYSIDE_PROGRAM_NAME is the default, else "" (French text then uses SIDEBYSIDE_PROGRAM_NAME:
    a program's own name is not guessed in French)."""
    if raw["PROGRAM_NAME_FR"].strip():
        return raw["PROGRAM_NAME_FR"].strip()
    return DEFAULT_PROGRAM_NAME_FR if raw["PROGRAM_NAME"] == DEFAULTS["PROGRAM_NAME"] else ""
