"""Enrichment rules: what to skip, when to retry, what the LLM is asked, what counts as found.

The waterfall itself (Place Details, then the website, then the LLM) runs in
`leadgen_pipeline.enrichment.waterfall`; the decisions it takes live here.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from leadgen_pipeline.domain.places import (
    UNSPECIFIED_BUSINESS_STATUS,
    Prospect,
    phone_to_e164,
    place_country,
)

STATUSES = ("pending", "queued", "running", "enriched", "failed", "skipped")
# Enriched (or skipped) prospects older than this are enriched again (the runs' default).
STALE_AFTER_DAYS = 30
WEBSITE_EXTRACTION_SCHEMA_NAME = "website_extraction"


@dataclass(frozen=True)
class ContactValue:
    """One value found for a prospect, with its provenance."""

    kind: str  # "phone", "email", "other_email", "owner", "social:<network>", "website"
    value: str
    source: str  # "places_search", "place_details", "website:<method>", "llm:website_extraction"
    url: str | None = None
    detail: str | None = None  # an owner's title; why an email is another business's
    # A phone's line type ("mobile", "landline", ...), a profile's holder ("business",
    # "person").
    contact_type: str | None = None
    # An email's deliverability signals (domain.deliverability.EmailSignals.as_dict()).
    signals: Mapping[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "source": self.source,
            "url": self.url,
            "detail": self.detail,
            "type": self.contact_type,
            "signals": dict(self.signals) if self.signals is not None else None,
        }


@dataclass(frozen=True)
class EnrichmentOutcome:
    status: str  # "enriched", "skipped" or "failed"
    contacts: tuple[ContactValue, ...] = ()
    reason: str | None = None  # why skipped or failed
    report: Mapping[str, Any] = field(default_factory=dict)
    listing: Prospect | None = None  # the listing as Place Details updated it, if read


def skip_reason(prospect: Prospect) -> str | None:
    """Why a prospect is not worth enriching, or None."""
    if prospect.business_status == "CLOSED_PERMANENTLY":
        return "closed permanently"
    if not prospect.website and not prospect.phone_e164:
        return "no website and no phone"
    return None


def retry_delay(attempts: int, base: timedelta = timedelta(minutes=15)) -> timedelta:
    """Backoff before a failed prospect is tried again: 15 min, 30 min, 1 h, ... capped at a day."""
    return min(base * 2 ** max(attempts - 1, 0), timedelta(days=1))


def with_details(
    prospect: Prospect, details: Mapping[str, Any], region: str | None = None
) -> Prospect:
    """The prospect updated with what Place Details says (fields it omits are kept).

    National numbers are read in the business's country: the one Places gave, else the
    one its details tell, else ``region``.
    """
    country = prospect.country_code or place_country(details) or region
    phone = phone_to_e164(
        details.get("internationalPhoneNumber"), details.get("nationalPhoneNumber"), country
    )
    status = details.get("businessStatus")
    if not isinstance(status, str) or status in ("", UNSPECIFIED_BUSINESS_STATUS):
        status = prospect.business_status
    return replace(
        prospect,
        business_status=status,
        phone_e164=phone or prospect.phone_e164,
        national_phone=details.get("nationalPhoneNumber", prospect.national_phone),
        website=details.get("websiteUri", prospect.website),
        country_code=country,
    )


def needs_place_details(prospect: Prospect) -> bool:
    """Details are bought only when the listing lacks both ways in (phone, website).

    The search already asked for phone, website and status at the same SKU, so
    a listing that has either needs no second, billed, call.
    """
    return not prospect.phone_e164 and not prospect.website


class WebsiteExtraction(BaseModel):
    """What the LLM reads from a website's text when the rules found no owner."""

    model_config = ConfigDict(extra="forbid", title=WEBSITE_EXTRACTION_SCHEMA_NAME)

    owner_name: str | None = Field(
        description="Full name of the owner, founder or decision maker, exactly as written"
    )
    owner_title: str | None = Field(description="Their title as written, e.g. Owner")
    email: str | None = Field(description="A contact email address written on the pages")
    phone: str | None = Field(description="A contact phone number written on the pages")


EXTRACTION_SYSTEM_PROMPT = (
    "You extract contact details of a local business from the text of its website. "
    "Answer only with what the text states; copy names exactly as written; never guess. "
    "If the text does not name an owner, founder or decision maker, answer null."
)


def extraction_prompt(business_name: str, page_text: str) -> str:
    return f"Business: {business_name}\nWebsite text:\n{page_text}"


def _folded(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold()


def stated_in(name: str, text: str) -> bool:
    """Whether `name` appears in `text`, case and spacing aside.

    The LLM's answer is checked against its input, not trusted.
    """
    return bool(name.strip()) and _folded(name) in _folded(text)
