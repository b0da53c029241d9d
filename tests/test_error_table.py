"""The one error table (shared/error_table.py): every domain exception has a row, and each
edge says what the row says (a status on the web, an exit code and one line in the CLI)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import shared
from shared.error_table import TABLE, exit_code, one_line, outcome_for
from shared.errors import Invalid, NotFoundError, ServiceError
from shared.mail.port import MailError
from shared.store.port import Unavailable
from tests.conftest import ADMIN_TOKEN

EDGE_ONLY = {"shared.web.errors"}  # HttpError: the web's own, already an HTTP answer


def domain_exceptions() -> set[type[BaseException]]:
    """Every exception class defined in a module of ``shared`` (all modules imported)."""
    for module in pkgutil.walk_packages(shared.__path__, "shared."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: set[type[BaseException]] = set()
    pending: list[type[BaseException]] = [Exception]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("shared.") and sub.__module__ not in EDGE_ONLY:
                found.add(sub)
    return found


def test_every_domain_exception_has_a_row_in_the_table():
    missing = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in domain_exceptions() - set(TABLE))
    assert not missing, (
        "add a row to TABLE in shared/error_table.py for each (its own row even when a base's "
        "row would do: the table says every exception's outcome in one place): " + ", ".join(missing)
    )


def test_no_domain_exception_carries_an_http_status():
    assert [cls.__name__ for cls in domain_exceptions() if "status" in vars(cls)] == []


def test_a_subclass_takes_its_own_row_before_its_base():
    class Mine(NotFoundError):
        pass

    assert outcome_for(Mine("x")).status == 404
    assert outcome_for(ValueError("a bug")) is None


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Invalid("Bad.", errors={"alias": ["Required."]}), 400, "invalid"),
        (NotFoundError("No such supporter."), 404, "not_found"),
        (Unavailable("db host 10.0.0.3 down"), 503, "unavailable"),
        (MailError("smtp.example.org refused"), 503, "unavailable"),
    ],
)
def test_the_web_answers_what_the_table_says(app, client_for, monkeypatch, error, status, code):
    """Raised from the store port (the fault injected), through the admin API's error handler."""

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(app.store, "list_supporters", fail)
    response = client_for("admin").get("/supporters", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert (response.status_code, response.get_json()["error"]) == (status, code)
    body = response.get_data(as_text=True)
    if not outcome_for(error).public:  # hosts and addresses stay in the log
        assert str(error) not in body and "Retry-After" in response.headers


def test_the_cli_says_one_line_and_the_tables_exit_code(app, capsys):
    from shared.cli import main
    from shared.config import ConfigError

    assert main(["supporters", "revoke", "Nobody"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert (one_line(ServiceError(" Nope. ")), exit_code(ConfigError("SIDEBYSIDE_X is bad"))) == ("Nope.", 2)
