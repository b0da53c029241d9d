"""The program's name in French text (a new-user trial: French readers were told "Le
Side-by-Side Peer Support Program vous invite…"): SIDEBYSIDE_PROGRAM_NAME_FR, and without it the
French of the default name, or the program's own name when it set one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared import config
from shared.records import Alert, Interaction, Supporter, Survey
from shared.services import alerts, digest, follow_ups, links, signin, supporter_mail
from tests.console.support import sign_in

ENGLISH, FRENCH = "Side-by-Side Peer Support Program", "Programme de soutien par les pairs Side-by-Side"


@pytest.mark.parametrize(
    ("env", "en", "fr"),
    [
        ({}, ENGLISH, FRENCH),
        ({"SIDEBYSIDE_PROGRAM_NAME": ENGLISH}, ENGLISH, FRENCH),  # as Terraform passes the default
        (
            {"SIDEBYSIDE_PROGRAM_NAME": "Pairs Aidants uOttawa"},
            "Pairs Aidants uOttawa",
            "Pairs Aidants uOttawa",
        ),
        (
            {
                "SIDEBYSIDE_PROGRAM_NAME": "Peer Support",
                "SIDEBYSIDE_PROGRAM_NAME_FR": "Soutien par les pairs",
            },
            "Peer Support",
            "Soutien par les pairs",
        ),
        ({"SIDEBYSIDE_PROGRAM_NAME_FR": "  "}, ENGLISH, FRENCH),  # blank, as Terraform's empty default
    ],
)
def test_the_french_name_falls_back_to_the_english_one(tmp_path: Path, env, en, fr):
    settings = config.load({"SIDEBYSIDE_DATA_DIR": str(tmp_path), **env}, base=tmp_path)
    assert (settings.program_title("en"), settings.program_title("fr")) == (en, fr)


def french_part(text: str) -> str:
    return text.split("-----", 1)[1]


def test_every_mail_says_the_french_name_in_its_french_part(app):
    settings = app.settings
    assert settings.program_title("fr") == FRENCH
    invited = links.invitation_message(settings, Survey("y2026"), "a@example.org", "LINK", reminder=False)
    reminded = links.invitation_message(settings, Survey("y2026"), "a@example.org", "LINK", reminder=True)
    supporter = supporter_mail.link_message(settings, Supporter("s1", "Sam", email="sam@example.org"), "LINK")
    signed = signin.link_message(settings, "coord@example.org", "LINK")
    for message in (invited, reminded, supporter, signed):
        english, french = message.text.split("-----", 1)
        assert ENGLISH in english and FRENCH in french and ENGLISH not in french
    assert f"Le {FRENCH} vous invite" in french_part(invited.text)


def test_alerts_and_digests_sign_their_french_part_with_the_french_name(app):
    """Trial 2 item 4: both were signed with the English name in French too."""
    sam = Supporter("s1", "Sam", email="sam@example.org")
    app.store.add_supporter(sam)
    now = datetime.now(UTC)
    alert = Alert("a1", "i1", now, supporter_id="s1")
    app.store.add_interaction(Interaction("i1", "s1", now.date(), {"concern_level": "urgent"}, now), alert)
    due = follow_ups.Due("i1", now.date(), False, now.date(), "phone", (), "none")
    for message in (alerts.message_for(app, [alert], sam), digest.message_for(app.settings, sam, [due])):
        english, french = message.text.split("-----", 1)
        assert english.rstrip().endswith(ENGLISH)
        assert french.rstrip().endswith(FRENCH) and ENGLISH not in french


def test_pages_in_french_show_the_french_name(app, client_for):
    page = client_for("survey").get("/nope", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f"· {FRENCH}</title>" in page
    c = sign_in(app, "coord2@example.org")
    assert f'<p class="brand">{FRENCH}</p>' in c.get("/console/?lang=fr").get_data(as_text=True)
    assert f'<p class="brand">{ENGLISH}</p>' in c.get("/console/?lang=en").get_data(as_text=True)


def test_the_french_report_names_the_program_in_french(app):
    from shared.services import reports

    built = reports.build(app, reports.ReportOptions(format="json"), lang="fr")
    assert built.program == FRENCH
    app.settings = replace(app.settings, program_name_fr="")
    assert reports.build(app, reports.ReportOptions(), lang="fr").program == ENGLISH
