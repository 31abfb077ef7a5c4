"""Whether mail to an address can be delivered, from what the address and DNS say.

Pure: the mail domain's DNS state is looked up by ``clients.dns`` and passed in. Never a
mailbox probe over SMTP: a business's mail server is not ours to poke.

- syntax: ``email-validator``'s rules (no DNS).
- the mail domain (RFC 5321 §5.1): its MX records; with none, its A/AAAA record is the
  implicit MX. A "null MX" (one MX of "." , RFC 7505) says the domain takes no mail.
- role account (info@, kontakt@...), free mail (gmail, web.de...), disposable domains.

``deliverable`` is "yes" when the domain has somewhere to deliver to, "no" when the syntax
is wrong or the domain has nowhere (no such domain, no MX and no address, a null MX), and
"unknown" when DNS was not asked (no resolver configured) or did not answer.
"""

from dataclasses import asdict, dataclass
from typing import Any, Literal

from email_validator import EmailNotValidError, validate_email

from leadgen_pipeline.domain.contacts import (
    is_disposable_domain,
    is_freemail_domain,
    is_role_account,
)

MailDomainState = Literal["mx", "a", "none", "null_mx", "unknown"]
Deliverable = Literal["yes", "no", "unknown"]
MAIL_DOMAIN_STATES: tuple[MailDomainState, ...] = ("mx", "a", "none", "null_mx", "unknown")


@dataclass(frozen=True)
class EmailSignals:
    syntax_valid: bool
    mail_domain: MailDomainState
    role_account: bool
    free_mail: bool
    disposable: bool
    deliverable: Deliverable

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def email_signals(address: str, mail_domain: MailDomainState) -> EmailSignals:
    domain = address.rpartition("@")[2]
    try:
        validate_email(address, check_deliverability=False)
        syntax_valid = True
    except EmailNotValidError:
        syntax_valid = False
    if not syntax_valid or mail_domain in ("none", "null_mx"):
        deliverable: Deliverable = "no"
    elif mail_domain in ("mx", "a"):
        deliverable = "yes"
    else:
        deliverable = "unknown"
    return EmailSignals(
        syntax_valid=syntax_valid,
        mail_domain=mail_domain,
        role_account=is_role_account(address),
        free_mail=is_freemail_domain(domain),
        disposable=is_disposable_domain(domain),
        deliverable=deliverable,
    )
