"""What a survey holds, sealed or released: the answers the tests submitted, read with the key."""

from __future__ import annotations

from typing import Any

from shared.services.sealing import unseal


def opened(app: Any, survey_id: str = "y2026") -> list[dict[str, Any]]:
    """The survey's sealed answers, opened with the program's key, then its released ones."""
    sealed = [unseal(app.settings.secret_key, s) for s in app.store.sealed_answers(survey_id)]
    return sealed + [a.answers for a in app.store.iter_answers(survey_id)]


def received(app: Any, survey_id: str = "y2026") -> int:
    """How many answers the survey holds, sealed or released."""
    return app.store.count_sealed(survey_id) + app.store.count_answers(survey_id)
