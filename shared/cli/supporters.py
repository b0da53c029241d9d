"""``sidebyside supporters``: add supporters, list them, revoke or renew their personal links."""

from __future__ import annotations

import click

from shared.bootstrap import App
from shared.cli.common import one_line_errors
from shared.services import supporter_mail
from shared.services import supporters as service
from shared.text import sentence


def _issued(issued: service.IssuedLink, verb: str) -> None:
    # The explanation goes to stderr so that `LINK=$(sidebyside supporters add Sam)` gets the link alone.
    click.echo(
        f"{sentence(f'{verb} {issued.supporter.alias}')} Their personal link (send it to them alone):",
        err=True,
    )
    click.echo(issued.link)


@click.group()
def supporters() -> None:
    """Supporters and their personal interaction-log links."""


@supporters.command("add")
@click.argument("alias")
@click.option("--email", default=None, help="Where to reach the supporter: their link is emailed to it.")
@click.option("--no-email", is_flag=True, help="With --email: store the address but do not email the link.")
@click.pass_obj
def add(app: App, alias: str, email: str | None, no_email: bool) -> None:
    """Add a supporter called ALIAS, print their personal link, and email it to them (--email)."""
    with one_line_errors():
        issued = service.add_supporter(app.store, app.settings, alias, email)
    sent = None if no_email else supporter_mail.mail_new_link(app.mailer, app.settings, issued.supporter)
    if sent:
        click.echo(f"Emailed the link to {issued.supporter.email}.", err=True)
    elif sent is False:
        click.echo(
            f"The email to {issued.supporter.email} could not be sent: send them the link below yourself.",
            err=True,
        )
    _issued(issued, "Added")


@supporters.command("list")
@click.pass_obj
def list_(app: App) -> None:
    """List supporters: alias, status, email and id (links are never shown again)."""
    rows = [
        (s.alias, "active" if s.active else "revoked", s.email or "-", s.id)
        for s in service.list_supporters(app.store)
    ]
    if not rows:
        click.echo("No supporters yet. Add one with: sidebyside supporters add ALIAS", err=True)
        return
    rows.insert(0, ("ALIAS", "STATUS", "EMAIL", "ID"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@supporters.command("revoke")
@click.argument("alias")
@click.pass_obj
def revoke(app: App, alias: str) -> None:
    """Turn off ALIAS's link at once (their old link then shows "no longer active")."""
    with one_line_errors():
        before = service.by_alias(app.store, alias)
        service.revoke(app.store, before)
    if before.active:
        click.echo(f"Revoked {before.alias}: their link no longer works.")
    else:
        click.echo(sentence(f"{before.alias} was already revoked"))


@supporters.command("relink")
@click.argument("alias")
@click.pass_obj
def relink(app: App, alias: str) -> None:
    """Print a fresh link for ALIAS; their older links stop working (a revoked supporter is reactivated)."""
    with one_line_errors():
        _issued(service.relink(app.store, app.settings, service.by_alias(app.store, alias)), "New link for")
