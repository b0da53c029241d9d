"""Where console views find the program (settings, store, mailer) and who is signed in.

The composition root is ``flask_app.extensions["sidebyside"]`` (the convention every app of
the program follows); views read it here instead of through a global.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import flask

from shared.records import Coordinator

if TYPE_CHECKING:
    from shared.bootstrap import App


def get_app() -> App:
    return flask.current_app.extensions["sidebyside"]  # type: ignore[no-any-return]


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as views need them."""

    coordinator: Coordinator

    @property
    def email(self) -> str:
        return self.coordinator.email

    @property
    def can_act(self) -> bool:
        return self.coordinator.role == "coordinator"


def signed_in() -> Viewer:
    return flask.g.viewer  # type: ignore[no-any-return]
