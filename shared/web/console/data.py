"""The Data page (coordinators): import interactions or survey responses from a CSV, with a
preview (rows, the first few, every error by line) before a Confirm step; download exports."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import flask
from flask_babel import gettext as _

from shared.days import parse_day
from shared.errors import Invalid, NotFoundError
from shared.services import exports, imports
from shared.services.csv_files import encoding_of
from shared.web.console.blueprint import acting, bp, coordinator_only, field_errors, page, pick_locale, record
from shared.web.context import get_app
from shared.web.errors import message_in

KINDS = ("interactions", "responses")
FIRST_ROWS = 5


def data_page(status: int = 200, **context: Any) -> flask.Response:
    surveys = sorted(get_app().store.list_surveys(), key=lambda s: s.id, reverse=True)
    return page("data.html", status=status, surveys=surveys, **context)


@bp.route("/data")
@coordinator_only
def data() -> Any:
    return data_page()


def _source(kind: str) -> tuple[bytes, str] | str:
    """The CSV to import (an upload, or the text the preview carried), or why it cannot be read."""
    text = flask.request.form.get("content")
    if text is not None:
        return text.encode("utf-8"), flask.request.form.get("name", "file.csv")[:100]
    upload = flask.request.files.get(f"file-{kind}")
    if upload is None or not upload.filename:
        return _("Choose a CSV file.")
    content = upload.read()
    if b"\x00" in content[:4096] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _("This is not a CSV file.")
    return content, upload.filename[:100]


def _import(kind: str, content: bytes, name: str, check_only: bool) -> imports.Imported:
    app = get_app()
    form = flask.request.form
    if kind == "interactions":
        return imports.import_interactions(
            app.store, app.settings, content, name=name,
            create_supporters=form.get("create_supporters") == "on", check_only=check_only, lang=pick_locale(),
            writing=acting,
        )  # fmt: skip
    return imports.import_responses(
        app.store, app.settings, content, form.get("survey", "").strip(),
        name=name, check_only=check_only, lang=pick_locale(), writing=acting,
    )  # fmt: skip


@bp.route("/data/import", methods=("POST",))
@coordinator_only
def import_data() -> Any:
    form = flask.request.form
    kind = flask.request.args.get("kind", "")  # in the URL: a 413 page must know it without the body
    if kind not in KINDS:
        flask.abort(400)
    found = _source(kind)
    if isinstance(found, str):
        return data_page(400, kind=kind, form=form, errors={f"file-{kind}": [found]})
    content, name = found
    confirm = form.get("confirm") == "1"
    try:
        done = _import(kind, content, name, check_only=not confirm)
    except Invalid as error:
        problems = list((error.errors or {}).get("file") or [message_in(error, pick_locale())])
        if isinstance(error, imports.UnknownSupporters):
            problems.append(
                _(
                    'To add them, go back to Data, tick "Add supporters the file names who are not on the list" and check the file again, or add them on the Supporters page first.'
                )
            )
        errors = field_errors(error.errors)
        if "survey" in errors:
            return data_page(400, kind=kind, form=form, errors={"survey": errors["survey"]})
        return page("data_preview.html", status=400, kind=kind, name=name, problems=problems, form=form)
    if not confirm:
        text = content.decode(encoding_of(content))  # as the import read it (all valid, so it decodes)
        head = list(itertools.islice(imports.CsvFile(content, name).records(), FIRST_ROWS + 1))
        return page(
            "data_preview.html", kind=kind, name=name, rows=done.rows, head=head, content=text, form=form
        )
    record("data_imported", f"{kind}: {done.rows} rows, {done.added} new")
    notice = _(
        "Imported %(rows)s rows: %(added)s new, %(old)s already there.",
        rows=done.rows,
        added=done.added,
        old=done.already_there,
    )
    return data_page(notice=notice)


def _day(name: str) -> date | None:
    return parse_day(flask.request.args.get(name), name)


def _csv(table: exports.Table, what: str) -> flask.Response:
    record("data_exported", what)
    body = (chunk.encode("utf-8") for chunk in table.chunks(bom=True))
    response = flask.Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{table.filename}"'
    return response


@bp.route("/data/interactions.csv")
@coordinator_only
def export_interactions() -> Any:
    try:
        start, end = _day("from"), _day("to")
    except Invalid as error:
        return data_page(400, errors=field_errors(error.errors), args=flask.request.args)
    table = exports.export_interactions(get_app().store, start, end)
    return _csv(table, f"interactions {start or ''}..{end or ''}")


@bp.route("/data/responses.csv")
@coordinator_only
def export_responses() -> Any:
    survey_id = flask.request.args.get("survey", "").strip()
    try:
        table = exports.export_responses(get_app().store, survey_id)
    except NotFoundError:
        return data_page(
            404, errors={"survey-export": [_("There is no such survey.")]}, args=flask.request.args
        )
    return _csv(table, f"responses {survey_id}")
