"""``sidebyside report``: print the coordinators' report, or email it to them (``--send``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click

from shared.bootstrap import App
from shared.errors import ServiceError
from shared.services import reports
from shared.services.coordinators import recipients


@contextmanager
def _option_errors() -> Iterator[None]:
    """A refusal is one line naming the bad options, and exit code 1."""
    try:
        yield
    except ServiceError as exc:
        # Field messages the sentence already says are not repeated ("There is no survey 'x'."
        # followed by "--survey: no survey 'x'" said it twice).
        said = exc.message.lower()
        fields = {k: [m for m in v if m.lower() not in said] for k, v in (exc.errors or {}).items()}
        detail = "; ".join(f"--{k}: {', '.join(v)}" for k, v in fields.items() if v)
        raise click.ClickException(f"{exc.message} {detail}".strip()) from None


@click.command("report")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(reports.FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--survey", "survey_id", help="The survey's id (default: the latest survey).")
@click.option(
    "--compare",
    metavar="ID|none",
    help="The survey to compare it with (default: the one that ran before it); none: no comparison.",
)
@click.option("--from", "start", help="First day, YYYY-MM-DD (default: start of the academic year).")
@click.option("--to", "end", help="Last day, YYYY-MM-DD (default: today).")
@click.option(
    "--test",
    type=click.Choice(reports.TESTS),
    default="paired",
    show_default=True,
    help="paired: the same students answer for both services (McNemar); independent: as published (chi-square/Fisher).",
)
@click.option(
    "--audience",
    type=click.Choice(reports.AUDIENCES),
    default="coordinators",
    show_default=True,
    help="coordinators: per-supporter counts as they are; shared: small counts hidden there too, to pass on.",
)
@click.option(
    "--lang",
    type=click.Choice(reports.LANGUAGES),
    help="The report's language (default: SIDEBYSIDE_REPORT_LANGUAGE; with --send, each coordinator's).",
)
@click.option(
    "--send", is_flag=True, help="Email it to the coordinators now (once per month) instead of printing."
)
@click.option("--force", is_flag=True, help="With --send: send again even if this month's report went out.")
@click.pass_obj
def report(
    app: App,
    fmt: str,
    survey_id: str | None,
    compare: str | None,
    start: str | None,
    end: str | None,
    test: str,
    audience: str,
    lang: str | None,
    send: bool,
    force: bool,
) -> None:
    """A plain-language summary, the barriers compared from the current survey and the program's
    activity, academic year to date (with --send: through the end of last month)."""
    if force and not send:
        raise click.UsageError("--force only goes with --send.")
    if send and audience == "shared":
        raise click.UsageError("--send mails the coordinators' copy; print the shared one and pass it on.")
    with _option_errors():
        options = reports.parse_options(
            {
                "format": fmt,
                "survey": survey_id,
                "compare": compare,
                "from": start,
                "to": end,
                "test": test,
                "audience": audience,
                "lang": lang,
            },
            reports.allowed_period(app),
        )
        if not send:
            click.echo(reports.render(reports.build(app, options), options.format), nl=False)
            return
        result = reports.send_scheduled_report(app, datetime.now(UTC), options=options, force=force)
    if result["status"] == "already_sent":
        click.echo(
            f"This month's report, covering {result['covers']}, was already sent (attempt {result['attempt']}); nothing was sent. "
            "Use --force to send it again."
        )
    else:
        to = ", ".join(recipients(app.store, app.settings))
        click.echo(f"Sent the report covering {result['covers']} to {to} (attempt {result['attempt']}).")
