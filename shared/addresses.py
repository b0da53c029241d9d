"""Email addresses: one check for every address the program mails, whatever the transport.

The rule, the same for the outbox, SMTP and SES, and in the CLI, the admin API and the console:

- a domain in Unicode (``exämple.org``) is converted with IDNA (``xn--exmple-cua.org``), which
  every mail system accepts;
- an address with non-ASCII characters *before* the ``@`` (``Renée.Côté@example.org``) is
  refused up front with a clear message. Mailing it needs SMTPUTF8 all the way: Amazon SES
  does not support it (its destination addresses are 7-bit ASCII), many SMTP relays do not
  either, and an RFC 2047 encoded word inside an address, which is what a mail library falls
  back to, is forbidden (RFC 2047 section 5) and undeliverable. Refusing before anything is
  sent or stored is the one behaviour every transport can keep;
- control characters (NUL, ESC, DEL...) and anything else that is not an address are refused.

The syntax rules are email-validator's (RFC 5321/5322 with the IDNA 2008 rules of the ``idna``
package); no DNS lookup is made.
"""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import getaddresses

from email_validator import EmailNotValidError, validate_email

LOCAL_DOMAIN = "localhost"  # the default sender's domain: fine for the outbox, never a recipient


class BadAddress(ValueError):
    """Not an address this program can mail; the message says why, in one sentence."""


def mail_address(text: object, *, local_ok: bool = False) -> str:
    """``text`` as the ASCII address to mail (domain lower-cased and IDNA-encoded), or :class:`BadAddress`.

    ``local_ok`` also accepts ``name@localhost``, for the program's own sender address."""
    if not isinstance(text, str):
        raise BadAddress("not an email address.")
    address = text.strip()
    local, _, domain = address.rpartition("@")
    if local_ok and domain.lower() == LOCAL_DOMAIN:
        return mail_address(f"{local}@example.org").rpartition("@")[0] + "@" + LOCAL_DOMAIN
    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        reason = str(error)
        if "Internationalized characters before the @-sign" in reason:
            reason = (
                "letters with accents or other non-ASCII characters before the @ cannot be mailed "
                "by every mail service this program supports; ask for another address."
            )
        raise BadAddress(reason[0].lower() + reason[1:] if reason else "not an email address.") from None
    return valid.ascii_email or valid.normalized


def mailbox(text: object, *, local_ok: bool = False) -> str:
    """A ``Name <address>`` or bare address with the address part checked by :func:`mail_address`;
    the display name may be in any language (mail encodes it as RFC 2047 allows)."""
    if not isinstance(text, str) or any(c in text for c in "\r\n"):
        raise BadAddress("not an email address.")
    found = getaddresses([text])
    if len(found) != 1 or not found[0][1]:
        raise BadAddress("not one email address.")
    name, address = found[0]
    clean = mail_address(address, local_ok=local_ok)
    if not name:
        return clean
    user, _, domain = clean.rpartition("@")
    return str(Address(display_name=name, username=user, domain=domain))
