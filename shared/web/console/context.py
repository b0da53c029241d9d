"""Who is signed in, as console views need them, and the time by the program's clock.

Views find the program (settings, store, mailer) with :func:`shared.web.context.get_app`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import flask

from shared.records import Coordinator
from shared.web.context import get_app


def now() -> datetime:
    """The program's clock (:class:`~shared.bootstrap.App`), in UTC."""
    return get_app().clock().astimezone(UTC)


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
    return flask.g.viewer
