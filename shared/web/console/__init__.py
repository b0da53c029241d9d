"""The coordinators' console: a server-rendered function at ``/console/``.

``bp`` (in :mod:`.blueprint`) holds every route; :func:`setup` adds what the console needs
beyond the shared hooks (sessions, CSRF, translations, its pages' errors). The app factory
(:mod:`shared.web.factory`) builds the ``console`` function from both.
"""

from __future__ import annotations

from shared.web.console.app import setup
from shared.web.console.blueprint import bp

__all__ = ["bp", "setup"]
