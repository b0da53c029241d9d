"""Emailing a supporter their personal link (when added, or again on request)."""

from __future__ import annotations

from shared.config import Settings
from shared.errors import Invalid
from shared.mail.message import Message
from shared.mail.port import Mailer
from shared.records import Supporter
from shared.services.supporters import link_for


def link_message(settings: Settings, supporter: Supporter, link: str) -> Message:
    """The personal-link email, English then French, with the crisis line."""
    if not supporter.email:
        raise Invalid(
            f"{supporter.alias} has no email address.", errors={"email": ["Add an email address first."]}
        )
    name = settings.program_name
    text = (
        "(Le français suit.)\n\n"
        f"Hello {supporter.alias},\n\n"
        f"This is your personal link to log your interactions for the {name}:\n\n{link}\n\n"
        "Keep it to yourself: anyone with it can log in your name. Add it to your phone's home "
        "screen. Never write a student's name in a log.\n\n"
        f"{settings.crisis_line['en']}\n\n-----\n\n"
        f"Bonjour {supporter.alias},\n\n"
        f"Voici votre lien personnel pour consigner vos interactions du {name} :\n\n{link}\n\n"
        "Gardez-le pour vous : quiconque l'a peut consigner en votre nom. Ajoutez-le à l'écran "
        "d'accueil de votre téléphone. N'écrivez jamais le nom d'un étudiant.\n\n"
        f"{settings.crisis_line['fr']}\n"
    )
    return Message(to=(supporter.email,), subject=f"{name}: your link / votre lien", text=text)


def send_link(mailer: Mailer, settings: Settings, supporter: Supporter) -> None:
    """Mail the supporter their current link (it is re-derived, never stored); MailError if not sent."""
    mailer.send(link_message(settings, supporter, link_for(settings, supporter)))
