"""The composition root: the one place that wires adapters to the program.

:func:`build` makes an :class:`App` (settings, store, mail transport, clock) and hands it to
whoever serves: the web app factory (:func:`shared.web.factory.create_app`), the CLI (its
group callback) and the local job loop. Nothing below this module looks an App up: services
receive what they use as arguments, and views get it from their Flask app
(:func:`shared.web.context.get_app`).

The store and the mailer are opened lazily, on first use, so a function's cold start pays
only for what it uses. The deployed entry points (``functions/main.py``) and the CLI share
one process-wide App through :func:`app`; tests set it with :func:`configure`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared import config
from shared.mail import make_mailer
from shared.mail.port import Mailer
from shared.store.port import Store


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    """What every entry point needs: settings, the store, the mail transport and the clock."""

    settings: config.Settings
    _store: Store | None = None
    _mailer: Mailer | None = None
    clock: Callable[[], datetime] = utc_now
    # Set while this process runs the job loop (``sidebyside serve``); ``wake`` asks it to run now.
    jobs_running: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def store(self) -> Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = make_store(self.settings.store)
        return self._store

    @property
    def mailer(self) -> Mailer:
        if self._mailer is None:
            with self._lock:
                if self._mailer is None:
                    self._mailer = make_mailer(self.settings.mail, self.settings.mail_from)
        return self._mailer

    def close(self) -> None:
        """Close the store's connections; the next use opens new ones (after a fork, say)."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def make_store(target: config.StoreTarget) -> Store:
    # Each adapter is imported only by the deployments that use it: the Firestore client
    # library is most of a cloud function's cold start, and the local server never needs it.
    if target.kind == "sqlite":
        from shared.store.sqlite import SqliteStore

        return SqliteStore(target.path)
    from shared.store.firestore import FirestoreStore

    return FirestoreStore(project=target.project, database=target.database)


def build(
    settings: config.Settings | None = None, store: Store | None = None, mailer: Mailer | None = None
) -> App:
    """An App from ``settings`` (default: the environment), with the given adapters if any."""
    return App(settings or config.load(), store, mailer)


_lock = threading.RLock()
_app: App | None = None


def app(may_create_data: bool = True) -> App:
    """The process-wide App of the entry points, built from the environment on first use.

    With ``may_create_data=False`` (every CLI command but ``serve`` and ``demo``) a local
    set-up whose data folder holds no secret key is refused (:func:`config.require_local_data`)
    rather than started afresh with a new empty store and key in the current folder."""
    global _app
    if _app is None:
        with _lock:
            if _app is None:
                if not may_create_data:
                    config.require_local_data()
                _app = build()
    return _app


def configure(
    settings: config.Settings | None = None, store: Store | None = None, mailer: Mailer | None = None
) -> App:
    """Replace the process-wide App (tests)."""
    global _app
    with _lock:
        _app = build(settings, store, mailer)
    return _app


def reset() -> None:
    global _app
    with _lock:
        if _app is not None:
            _app.close()
        _app = None
