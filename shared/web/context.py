"""How a view reaches the program's wiring: the App its Flask app was built with."""

from __future__ import annotations

import flask

from shared.bootstrap import App

EXTENSION = "sidebyside"


def get_app() -> App:
    """The :class:`~shared.bootstrap.App` of the Flask app handling this request."""
    app: App = flask.current_app.extensions[EXTENSION]
    return app
