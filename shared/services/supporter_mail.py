"""Emailing a supporter their personal link (when added, or again on request)."""

from __future__ import annotations

from shared.config import Settings
from shared.errors import Invalid
from shared.i18n import N_, bilingual, translate
from shared.mail.message import Message
from shared.mail.port import Mailer, MailError
from shared.records import Supporter
from shared.services.supporters import link_for


def link_message(settings: Settings, supporter: Supporter, link: str) -> Message:
    """The personal-link email, English then French, with the crisis line."""
    if not supporter.email:
        raise Invalid(
            N_("%(alias)s has no email address."),
            params={"alias": supporter.alias},
            errors={"email": [N_("Add an email address first.")]},
        )
    name = settings.program_name

    def body(lang: str) -> str:
        return (
            translate(lang, "Hello %(alias)s,", alias=supporter.alias)
            + "\n\n"
            + translate(
                lang,
                "This is your personal link to log your interactions for the %(name)s:",
                name=settings.program_title(lang),
            )
            + f"\n\n{link}\n\n"
            + translate(
                lang,
                "Keep it to yourself: anyone with it can log in your name. Add it to your phone's home "
                "screen. Never write a student's name in a log.",
            )
            + f"\n\n{settings.crisis_line[lang]}"
        )

    subject = translate("en", "%(name)s: your link", name=name) + " / " + translate("fr", "your link")
    return Message(to=(supporter.email,), subject=subject, text=bilingual(body))


def send_link(mailer: Mailer, settings: Settings, supporter: Supporter) -> None:
    """Mail the supporter their current link (it is re-derived, never stored); MailError if not sent."""
    mailer.send(link_message(settings, supporter, link_for(settings, supporter)))


def mail_new_link(mailer: Mailer, settings: Settings, supporter: Supporter) -> bool | None:
    """After adding a supporter: email them their link when they have an address, as the
    console, the CLI and the admin API all do. None: no address; False: the mail failed (the
    supporter stays added; resend it later)."""
    if not supporter.email:
        return None
    try:
        send_link(mailer, settings, supporter)
    except MailError:
        return False
    return True
