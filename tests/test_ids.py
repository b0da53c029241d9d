"""Ids Firestore refuses are refused where they come in, on both stores, and anything Firestore
still refuses as ``InvalidArgument`` is a 4xx, never a 500 (issue 15, item 3)."""

from __future__ import annotations

from typing import Any

import pytest
from google.api_core import exceptions as gexc

from shared import bootstrap, config
from shared.errors import Invalid
from shared.ids import is_document_id
from shared.services import surveys
from shared.services.imports import import_responses
from shared.services.links import SURVEY_ID
from shared.store.firestore import FirestoreStore
from tests.conftest import ADMIN_TOKEN, REAL_STORES
from tests.test_survey_links import today

pytestmark = pytest.mark.stores(*REAL_STORES)

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


# The cases of Firestore's documented limits (https://cloud.google.com/firestore/quotas,
# "Collections, documents, and fields": document IDs).
@pytest.mark.parametrize(
    "value",
    ["__x__", "____", "__.*__", "a/b", "/", ".", "..", "", "x" * 1501, "é" * 751, "\udcff", None, 7],
)
def test_ids_outside_firestores_documented_limits_are_refused(value):
    assert not is_document_id(value)


@pytest.mark.parametrize("value", ["x", "__x", "x__", "_x_", "...", "a.b", "x" * 1500, "é" * 750, "2026"])
def test_ids_inside_the_limits_are_accepted(value):
    assert is_document_id(value)


def test_every_survey_id_the_pattern_accepts_is_a_document_id():
    for candidate in ["__x__", "____", "__", "___", "__a_b__", "a__", "__a", "y2026", "-", "_"]:
        if SURVEY_ID.fullmatch(candidate):
            assert is_document_id(candidate), candidate
    assert not SURVEY_ID.fullmatch("__x__") and SURVEY_ID.fullmatch("__x") and SURVEY_ID.fullmatch("_")


def test_a_reserved_survey_id_is_refused_and_nothing_is_stored(app):
    with pytest.raises(Invalid) as refused:
        surveys.create_survey(app.store, "__x__", today=today(app))
    assert "id" in refused.value.errors
    assert app.store.list_surveys() == []


def test_an_import_into_a_reserved_survey_id_is_refused(app):
    with pytest.raises(Invalid) as refused:
        import_responses(app.store, app.settings, b"year_of_study\nyear2\n", "__x__")
    assert "survey" in refused.value.errors
    assert app.store.list_surveys() == []


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("post", "/surveys/__x__/close", 404),
        ("post", "/surveys/__x__/links", 404),
        ("delete", "/supporters/__x__", 404),
        ("post", "/supporters/__x__/link", 404),
        ("delete", "/supporters/..", 404),
        ("get", "/report?survey=__x__", 400),
        ("get", "/report?survey=a%2Fb", 400),
        ("get", "/export/responses.csv?survey=__x__", 404),
    ],
)
def test_reserved_ids_in_admin_urls_are_4xx_on_both_stores(app, client_for, method, path, status):
    admin = client_for("admin")
    body = {"count": 1} if path.endswith("/links") else None  # the other routes take no body
    response = getattr(admin, method)(path, json=body, headers=AUTH)
    assert response.status_code == status, response.get_data(as_text=True)


def test_creating_a_reserved_survey_id_through_the_api_is_400(app, client_for):
    response = client_for("admin").post("/surveys", json={"id": "__x__"}, headers=AUTH)
    assert response.status_code == 400
    assert "id" in response.get_json()["errors"]


class RefusingClient:
    """A Firestore client whose every call is refused with ``InvalidArgument``: the fault, injected
    through the adapter's own ``client`` parameter, that real Firestore gives for an id or value
    outside its limits (the emulator accepts ``__x__``, so it cannot produce it)."""

    def __getattr__(self, name: str) -> Any:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self

    def __len__(self) -> int:
        return 1

    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise gexc.InvalidArgument("Document id '__x__' is reserved.")

    stream = commit = get


def test_invalid_argument_from_firestore_is_the_domain_error_invalid():
    store = FirestoreStore(project="refusing", client=RefusingClient())
    with pytest.raises(Invalid):
        store.get_survey("fine-id")
    with pytest.raises(Invalid):
        store.list_supporters()


def test_invalid_argument_from_firestore_is_a_400_at_the_edge(settings_env, tmp_path, client_for_refusing):
    response = client_for_refusing.get("/supporters", headers=AUTH)
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.fixture
def client_for_refusing(settings_env, tmp_path):
    from pathlib import Path

    import functions_framework

    store = FirestoreStore(project="refusing", client=RefusingClient())
    bootstrap.configure(settings=config.load(settings_env, base=tmp_path), store=store)
    source = str(Path(__file__).resolve().parents[1] / "functions" / "main.py")
    yield functions_framework.create_app("admin", source).test_client()
    bootstrap.reset()
