"""The one place that wires adapters to the program: settings, store and mail transport.

Functions and the CLI call :func:`app` to get them, created once per process, lazily (a
cold start pays only for what it uses). Tests call :func:`configure` with what they need.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared import config

if TYPE_CHECKING:
    from shared.mail.port import Mailer
    from shared.store.port import Store


@dataclass
class App:
    settings: config.Settings
    _store: Store | None = None
    _mailer: Mailer | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            with _lock:
                if self._store is None:
                    self._store = make_store(self.settings.store)
        return self._store

    @property
    def mailer(self) -> Mailer:
        if self._mailer is None:
            from shared.mail import make_mailer

            self._mailer = make_mailer(self.settings.mail, self.settings.mail_from)
        return self._mailer


_lock = threading.RLock()
_app: App | None = None


def make_store(target: config.StoreTarget) -> Store:
    if target.kind == "sqlite":
        from shared.store.sqlite import SqliteStore

        return SqliteStore(target.path)
    from shared.store.firestore import FirestoreStore

    return FirestoreStore(project=target.project, database=target.database)


def app() -> App:
    """The process-wide App, built from the environment on first use."""
    global _app
    if _app is None:
        with _lock:
            if _app is None:
                _app = App(config.load())
    return _app


def configure(
    settings: config.Settings | None = None, store: Store | None = None, mailer: Mailer | None = None
) -> App:
    """Replace the process-wide App (tests, the CLI's --store style overrides)."""
    global _app
    with _lock:
        _app = App(settings or config.load(), store, mailer)
    return _app


def reset() -> None:
    global _app
    with _lock:
        if _app is not None and _app._store is not None:
            _app._store.close()
        _app = None
