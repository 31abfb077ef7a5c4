"""Promotion of prospects to leads, the lead quality score, and collection stats."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import mean
from typing import Any
from urllib.parse import urlsplit

from leadgen_pipeline.domain.contacts import registered_domain
from leadgen_pipeline.domain.enrichment import ContactValue, stated_in
from leadgen_pipeline.domain.places import Prospect


@dataclass(frozen=True)
class Sourced:
    """A value and where it came from (provenance)."""

    value: str
    source: str  # "places_search", "place_details", "website:mailto", "llm", ...
    url: str | None = None
    detail: str | None = None  # e.g. an owner's title
    contact_type: str | None = None  # a phone's line type, a profile's holder
    signals: Mapping[str, Any] | None = None  # an email's deliverability signals

    @property
    def deliverable(self) -> str | None:
        return self.signals.get("deliverable") if self.signals else None


@dataclass(frozen=True)
class LeadCandidate:
    prospect: Prospect
    phone: Sourced | None = None
    email: Sourced | None = None
    owner: Sourced | None = None
    socials: Mapping[str, Sourced] = field(default_factory=dict)
    # Every value found (type, provenance, signals), best first within each kind.
    contacts: tuple[ContactValue, ...] = ()


@dataclass(frozen=True)
class ScoredLead:
    candidate: LeadCandidate
    score: int
    reasons: tuple[tuple[int, str], ...]

    def provenance(self) -> dict[str, Any]:
        fields = {
            "phone": self.candidate.phone,
            "email": self.candidate.email,
            "owner": self.candidate.owner,
            **{f"social:{network}": s for network, s in self.candidate.socials.items()},
        }
        return {
            name: {"source": s.source, "url": s.url} for name, s in fields.items() if s is not None
        }

    def contacts(self) -> list[dict[str, Any]]:
        """Every contact of the lead with its type, provenance and signals, best first."""
        return [contact.as_dict() for contact in self.candidate.contacts]


def lead_candidates(
    ranked: Sequence[Prospect],
    contacts: Mapping[str, Sequence[ContactValue]],
    target_id: str | None,
    target_owner: Sourced | None,
    target_page_text: str = "",
) -> list[LeadCandidate]:
    """Each prospect with its best contact values (`contacts` lists each place's values best
    first within a kind); the target's owner from intelligence if the website named none.

    The intelligence profile is written from the search listings, not from the
    business's pages, so its owner is the model's word alone: it becomes the
    lead's owner only if `target_page_text` (what the target's pages say) states it.
    """
    if target_owner is not None and not stated_in(target_owner.value, target_page_text):
        target_owner = None
    candidates = []
    for p in ranked:
        found = list(contacts.get(p.place_id, []))
        best: dict[str, Sourced] = {}
        for value in found:
            if value.kind == "email" and (value.signals or {}).get("deliverable") == "no":
                continue  # mail there cannot be delivered: no lead's email
            best.setdefault(
                value.kind,
                Sourced(
                    value.value,
                    value.source,
                    value.url,
                    value.detail,
                    value.contact_type,
                    value.signals,
                ),
            )
        phone = best.get("phone") or (
            Sourced(p.phone_e164, "places_search") if p.phone_e164 else None
        )
        owner = best.get("owner") or (target_owner if p.place_id == target_id else None)
        socials = {
            kind.removeprefix("social:"): s
            for kind, s in best.items()
            if kind.startswith("social:")
        }
        candidates.append(
            LeadCandidate(
                p,
                phone=phone,
                email=best.get("email"),
                owner=owner,
                socials=socials,
                contacts=tuple(found),
            )
        )
    return candidates


def is_promotable(candidate: LeadCandidate) -> bool:
    """A lead needs a way to reach a person (phone or email) at a business still trading."""
    if candidate.prospect.business_status == "CLOSED_PERMANENTLY":
        return False
    return candidate.phone is not None or candidate.email is not None


def score_lead(candidate: LeadCandidate) -> ScoredLead:
    """A 0-100 score that is the sum of its stated reasons."""
    p = candidate.prospect
    reasons: list[tuple[int, str]] = []
    if candidate.email:
        reasons.append((30, f"email from {candidate.email.source}"))
        if candidate.email.deliverable == "yes":
            reasons.append((5, "email's domain takes mail (MX or A record)"))
        if (candidate.email.signals or {}).get("disposable"):
            reasons.append((-20, "email at a disposable-mail domain"))
        email_domain = candidate.email.value.rpartition("@")[2]
        website_host = urlsplit(p.website).hostname if p.website else None
        if website_host and registered_domain(email_domain) == registered_domain(website_host):
            reasons.append((5, "email on the business's own domain"))
    if candidate.phone:
        reasons.append((25, f"valid phone from {candidate.phone.source}"))
    if candidate.owner:
        reasons.append((15, f"owner or decision maker named ({candidate.owner.source})"))
    if p.website:
        reasons.append((5, "website listed"))
    if candidate.socials:
        reasons.append((5, f"social profiles: {', '.join(sorted(candidate.socials))}"))
    if p.rating is not None and p.rating >= 4.0:
        reasons.append((5, f"rated {p.rating:.1f}"))
    if p.user_rating_count is not None and p.user_rating_count >= 25:
        reasons.append((5, f"{p.user_rating_count} reviews"))
    if p.business_status in (None, "OPERATIONAL"):
        reasons.append((5, "operating"))
    total = sum(points for points, _ in reasons)
    return ScoredLead(candidate, max(0, min(100, total)), tuple(reasons))


@dataclass(frozen=True)
class CollectionStats:
    lead_count: int
    with_email: int
    with_phone: int
    with_owner: int
    with_website: int
    average_rating: float | None
    average_quality: float | None


def collection_stats(leads: Sequence[Mapping[str, Any]]) -> CollectionStats:
    """Stats over lead rows: mappings with email, phone_e164, owner_name, website, rating
    and quality_score."""
    ratings = [lead["rating"] for lead in leads if lead.get("rating") is not None]
    scores = [lead["quality_score"] for lead in leads]
    return CollectionStats(
        lead_count=len(leads),
        with_email=sum(1 for lead in leads if lead.get("email")),
        with_phone=sum(1 for lead in leads if lead.get("phone_e164")),
        with_owner=sum(1 for lead in leads if lead.get("owner_name")),
        with_website=sum(1 for lead in leads if lead.get("website")),
        average_rating=round(mean(ratings), 2) if ratings else None,
        average_quality=round(mean(scores), 1) if scores else None,
    )
