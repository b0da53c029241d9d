"""The throughput floor for ``POST /log_interaction/`` (issue 9): the least a Flask service
taking the same submission can do. Flask, a marshmallow schema of the log form's fields, and
one durable SQLite insert (WAL, ``synchronous=FULL``, like the store) per request, served by
the same server with the same settings as ``sidebyside serve``
(:func:`shared.web.serve.make_server`). Run as ``python -m bench.floor_app --port P --db F``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

import flask
from marshmallow import Schema, ValidationError, fields, validate

from shared.web.serve import configure_logging, make_server

FORMATS = ["in_person", "phone", "video", "text_or_online"]
YEARS = ["year1", "year2", "year3", "year4", "other"]
TOPICS = [
    "academic",
    "burnout_stress",
    "mental_health",
    "personal_relationships",
    "career_residency",
    "finances",
    "wellness_lifestyle",
    "other",
]
REFERRALS = ["none", "faculty_wellness", "counselling", "physician", "crisis_or_emergency", "other"]


class InteractionSchema(Schema):
    """forms/interaction_log.yaml's fields, written out by hand."""

    occurred_on = fields.Date(required=True)
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    initiated_by = fields.String(required=True, validate=validate.OneOf(["student", "supporter"]))
    duration_minutes = fields.Integer(validate=validate.Range(1, 600))
    year_of_study = fields.String(validate=validate.OneOf(YEARS))
    topics = fields.List(
        fields.String(validate=validate.OneOf(TOPICS)), required=True, validate=validate.Length(min=1)
    )
    concern_level = fields.String(required=True, validate=validate.OneOf(["none", "some", "urgent"]))
    referral = fields.String(required=True, validate=validate.OneOf(REFERRALS))
    follow_up_planned = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=280))


def create_app(db_path: Path) -> flask.Flask:
    app = flask.Flask("floor")
    schema = InteractionSchema()
    local = threading.local()

    def db() -> sqlite3.Connection:
        if getattr(local, "db", None) is None:
            local.db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
            local.db.execute("PRAGMA journal_mode=WAL")
            local.db.execute("PRAGMA synchronous=FULL")
            local.db.execute("PRAGMA busy_timeout=30000")
        return local.db

    db().execute("CREATE TABLE IF NOT EXISTS interactions (id TEXT PRIMARY KEY, answers TEXT NOT NULL)")

    @app.post("/log_interaction/")
    def submit() -> Any:
        try:
            answers = schema.load(flask.request.get_json(force=True))
        except ValidationError as exc:
            return {"errors": exc.messages}, 400
        key = flask.request.headers.get("Idempotency-Key") or str(uuid.uuid4())
        db().execute(
            "INSERT INTO interactions (id, answers) VALUES (?, ?)", (key, json.dumps(answers, default=str))
        )
        return {"id": key, "duplicate": False}, 201

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    configure_logging()
    make_server(create_app(args.db), port=args.port, threads=args.threads).run()


if __name__ == "__main__":
    main()
