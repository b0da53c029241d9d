"""The report email as real mail clients and filters see it.

- Headless Chromium (Debian's, through Playwright) at a 375 px phone and a 600 px reading pane:
  nothing scrolls sideways.
- caniemail's data, through ``@jsx-email/doiuse-email`` (node_modules): nothing Gmail, Outlook
  for Windows or the Outlook and Yahoo apps do not support carries the layout. Two features are
  flagged and allowed: the ``<body>`` element itself (replaced by a ``<div>`` in those clients,
  which is why it carries no attribute or style), and ``role="presentation"`` (dropped by Windows
  Mail; it only tells screen readers a table is for layout).
- SpamAssassin (Debian's, local rules only: no network test, no Bayes): no content rule scores
  above 0.5 points on the message as sent.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from shared.mail.message import build_mime
from shared.report.email import report_message
from shared.services import reports
from tests.test_report_statistics import PUBLISHED
from tests.test_report_support import (
    NOW,
    add_interactions,
    add_supporters,
    add_survey,
    log_answers,
    paired_answers,
)

ROOT = Path(__file__).resolve().parents[1]
DOIUSE = ROOT / "node_modules" / "@jsx-email" / "doiuse-email"
CLIENTS = ["gmail.*", "outlook.windows", "outlook.windows-mail", "outlook.ios", "outlook.android", "yahoo.*"]
ALLOWED = {"`<body> element`", "`role attribute`"}
SPAMASSASSIN = "/usr/bin/spamassassin"
MAX_RULE_SCORE = 0.5


def seed(store) -> None:
    add_survey(store, "2026", paired_answers(PUBLISHED), links_issued=100)
    ids = add_supporters(store, 3)
    years = ("year1", "year2", "year3", "year4")
    add_interactions(
        store,
        [
            (
                ids[k % 3],
                date(2026, 9 + k % 2, 1 + k % 28),
                log_answers(year_of_study=years[k % 4], concern_level=("none", "some", "urgent")[k % 3]),
            )
            for k in range(60)
        ],
    )


def html_for(app, lang: str) -> str:
    options = reports.parse_options({"lang": lang, "format": "html"})
    return reports.render(reports.build(app, options, NOW), "html")


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [375, 600])
def test_no_horizontal_scroll_on_a_phone_or_a_reading_pane(app, browser, lang, width):
    seed(app.store)
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        page.set_content(html_for(app, lang))
        scroll = page.evaluate("document.documentElement.scrollWidth")
        widest = page.evaluate(
            "Math.max(...[...document.querySelectorAll('table, img')].map(e => e.getBoundingClientRect().right))"
        )
    finally:
        page.close()
    assert scroll <= width and widest <= width


@pytest.mark.node
def test_caniemail_lint_finds_no_unsupported_layout_css(app):
    if not DOIUSE.exists():
        raise RuntimeError("@jsx-email/doiuse-email is missing: run `make test`, which runs `npm ci`")
    seed(app.store)
    html = html_for(app, "fr")
    assert re.search(r"<body>", html)  # nothing on <body>: those clients replace it
    script = (
        "const {doIUseEmail} = require(process.argv[1]);"
        "let html = ''; process.stdin.on('data', d => html += d);"
        "process.stdin.on('end', () => console.log(JSON.stringify(doIUseEmail(html, "
        "{emailClients: JSON.parse(process.argv[2])}))));"
    )
    done = subprocess.run(
        ["node", "-e", script, str(DOIUSE), json.dumps(CLIENTS)],
        input=html,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    errors = json.loads(done.stdout)["errors"]
    features = {re.match(r"(`[^`]+`)", e).group(1) for e in errors}
    assert features <= ALLOWED, sorted(e for e in errors if not e.startswith(tuple(ALLOWED)))
    assert "white-space" not in html and ' nowrap style="' in html  # the attribute, which Outlook keeps
    assert not re.search(r"\bdisplay:\s*(flex|grid)|@media|<style", html)


@pytest.mark.slow
def test_spamassassin_local_rules_score_no_content_rule_above_half_a_point(app, tmp_path):
    if not Path(SPAMASSASSIN).exists():
        raise RuntimeError(
            f"{SPAMASSASSIN} is missing: run `make test`, which installs Debian's spamassassin"
        )
    seed(app.store)
    for lang in ("en", "fr"):
        report = reports.build(app, reports.ReportOptions(lang=lang), NOW)
        raw = build_mime(report_message(report, ("coord@example.org",)), "report@example.org").as_bytes()
        done = subprocess.run(
            [SPAMASSASSIN, "-L", "-t", "--cf=use_bayes 0"],
            input=raw,
            capture_output=True,
            timeout=300,
            check=False,
            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        )
        output = done.stdout.decode("utf-8", "replace")
        assert "pts rule name" in output, output[-2000:]  # SpamAssassin ran and reported
        scored = rules(output)
        assert "HTML_MESSAGE" in scored  # it read the message's parts
        high = {name: points for name, points in scored.items() if points > MAX_RULE_SCORE}
        assert not high, (lang, high)


def rules(output: str) -> dict[str, float]:
    """The rules SpamAssassin's report lists: ``pts rule_name description`` lines."""
    table = output.split("Content analysis details:", 1)[-1]
    found = re.finditer(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s", table, re.M)
    return {match.group(2): float(match.group(1)) for match in found}


def test_spamassassin_is_on_the_path_make_test_installs():
    assert shutil.which("spamassassin") == SPAMASSASSIN
