"""What the sandbox LLM "knows": answers grounded in the prompt and the data set.

The business a prompt is about is found by place id, site URL, e-mail domain or name
(the earliest mention wins; overlapping names resolve to the longest). Owner rules:
a schema named like "*extraction*" gets the owner only when the prompt names them
(it never invents); other schemas also get owners the data set marks publicly known.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from leadgen_sandbox.dataset import Business, SandboxDataset
from leadgen_sandbox.json_schema import NO_VALUE

OWNER_NAME_KEYS = frozenset(
    {
        "owner_name",
        "owner",
        "owner_full_name",
        "decision_maker_name",
        "decision_maker",
        "founder_name",
        "founder",
        "contact_name",
        "contact_person",
    }
)
OWNER_TITLE_KEYS = frozenset(
    {
        "owner_title",
        "owner_role",
        "decision_maker_title",
        "decision_maker_role",
        "contact_title",
        "contact_role",
    }
)
PERSON_NAME_KEYS = frozenset({"name", "full_name", "person_name"})
PERSON_TITLE_KEYS = frozenset({"title", "role", "job_title", "position"})
SERVICES_KEYS = frozenset(
    {
        "products_and_services",
        "services",
        "products",
        "offerings",
        "service_list",
        "services_offered",
        "main_services",
    }
)
SUMMARY_KEYS = frozenset(
    {"summary", "business_summary", "description", "overview", "business_description"}
)
STRENGTHS_KEYS = frozenset({"strengths", "competitive_advantages", "advantages"})
GAPS_KEYS = frozenset({"gaps", "weaknesses", "competitive_gaps", "improvement_areas"})
RECOMMENDATIONS_KEYS = frozenset(
    {"recommendations", "next_steps", "opportunities", "suggestions", "action_items"}
)
EMAIL_KEYS = frozenset({"email", "contact_email", "email_address", "owner_email"})
PHONE_KEYS = frozenset({"phone", "contact_phone", "phone_number", "telephone"})
CONFIDENCE_KEYS = frozenset({"confidence", "owner_confidence", "confidence_level"})
BUSINESS_NAME_KEYS = frozenset({"business_name", "company_name", "competitor_name"})
PEOPLE_KEYS = frozenset(
    {"people", "contacts", "team", "staff", "owners", "decision_makers", "key_people"}
)
EXPLANATION_KEYS = frozenset({"reasoning", "rationale", "explanation", "evidence", "notes"})
POSITION_KEYS = frozenset({"market_position", "competitive_position", "positioning"})

EMAIL_PATTERN = re.compile(r"[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}", re.IGNORECASE)
OBFUSCATED_EMAIL = re.compile(
    r"([\w.+-]+)\s*[\[(]\s*at\s*[\])]\s*([a-z0-9-]+(?:\s*(?:\[\s*dot\s*\]|\.)\s*[a-z0-9-]+)+)",
    re.IGNORECASE,
)
PHONE_PATTERN = re.compile(r"(?:\+?1[\s.-]?)?\(?\b(\d{3})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})\b")
PLACE_ID_PATTERN = re.compile(r"ChIJ[\w-]{23}")
SITE_PATTERN = re.compile(r"/sites/([a-z0-9-]+)/?|\b([a-z0-9-]+)\.com\b")
AVERAGE_RATING = re.compile(
    r"(?:average|avg\.?|mean|median)[^\n.\d]{0,40}?rating[^\n\d]{0,20}?(\d(?:\.\d+)?)",
    re.IGNORECASE,
)
AVERAGE_REVIEWS = re.compile(
    r"(?:average|avg\.?|mean|median)[^\n.\d]{0,40}?"
    r"(?:reviews?|review count|rating count|ratings)[^\n\d]{0,20}?(\d[\d,]*(?:\.\d+)?)",
    re.IGNORECASE,
)


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("-", "_")


def message_text(messages: Sequence[Any], *, include_system: bool) -> str:
    """The text of chat messages, whether content is a string or a list of parts."""
    texts = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        if not include_system and message.get("role") in ("system", "developer"):
            continue
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts += [
                part["text"]
                for part in content
                if isinstance(part, dict) and isinstance(part.get("text"), str)
            ]
    return "\n".join(texts)


def approximate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def find_businesses(text: str, dataset: SandboxDataset) -> list[Business]:
    """Businesses the text mentions, ordered by first mention."""
    folded = text.casefold()
    found: dict[str, tuple[int, Business]] = {}

    def note(position: int, business: Business) -> None:
        if business.place_id not in found or position < found[business.place_id][0]:
            found[business.place_id] = (position, business)

    for match in PLACE_ID_PATTERN.finditer(text):
        business = dataset.business_by_id(match.group())
        if business:
            note(match.start(), business)
    for match in SITE_PATTERN.finditer(folded):
        business = dataset.business_by_slug(match.group(1) or match.group(2))
        if business:
            note(match.start(), business)
    spans: list[tuple[int, int, Business]] = []
    for business in dataset.known_businesses():
        position = folded.find(business.name.casefold())
        if position >= 0:
            spans.append((position, position + len(business.name), business))
    for start, end, business in spans:
        inside_longer = any(
            other_start <= start and end <= other_end and (other_end - other_start) > end - start
            for other_start, other_end, _ in spans
        )
        same_name = [other for s, e, other in spans if (s, e) == (start, end)]
        cities_named = [other for other in same_name if other.city.casefold() in folded]
        # Several businesses share the name: the one whose city the text names, else the
        # first drawn (the known queries', drawn when the sandbox starts).
        chosen = cities_named[0] if cities_named else same_name[0]
        if inside_longer or business is not chosen:
            continue
        note(start, business)
    return [business for _, business in sorted(found.values(), key=lambda item: item[0])]


@dataclass(frozen=True)
class PromptFacts:
    text: str  # every message
    user_text: str  # without system/developer messages
    extraction: bool  # the schema's name says it extracts: only state what the text says
    business: Business | None
    mentioned: tuple[Business, ...]

    @classmethod
    def read(
        cls, messages: Sequence[Any], schema_name: str, dataset: SandboxDataset
    ) -> PromptFacts:
        text = message_text(messages, include_system=True)
        user_text = message_text(messages, include_system=False)
        mentioned = find_businesses(user_text, dataset) or find_businesses(text, dataset)
        return cls(
            text=text,
            user_text=user_text,
            extraction="extraction" in schema_name.casefold(),
            business=mentioned[0] if mentioned else None,
            mentioned=tuple(mentioned),
        )


class Answerer:
    """A ValueSource for one business (or a person, or a competitor) in one prompt."""

    def __init__(self, facts: PromptFacts, *, person: bool = False) -> None:
        self.facts = facts
        self.business = facts.business
        self.person = person

    # --- ValueSource -------------------------------------------------------------------

    def value_for(self, property_name: str) -> Any:
        key = snake_case(property_name)
        business = self.business
        if key in OWNER_NAME_KEYS or (self.person and key in PERSON_NAME_KEYS):
            return self.owner_name()
        if key in OWNER_TITLE_KEYS or (self.person and key in PERSON_TITLE_KEYS):
            return business.owner_title if business and self.owner_name() else None
        if key in EMAIL_KEYS:
            return self._email()
        if key in PHONE_KEYS:
            return self._phone()
        if key in CONFIDENCE_KEYS:
            return "high" if self.owner_name() else "low"
        if key in {"owner_found", "owner_identified", "has_owner"}:
            return self.owner_name() is not None
        if business is None:
            return self._without_business(key)
        if key in SERVICES_KEYS:
            return list(business.services)
        if key in SUMMARY_KEYS:
            return self.summary()
        if key in STRENGTHS_KEYS:
            return self.strengths()
        if key in GAPS_KEYS:
            return [gap for gap, _ in self.gaps_and_recommendations()]
        if key in RECOMMENDATIONS_KEYS:
            return [advice for _, advice in self.gaps_and_recommendations()]
        if key in EXPLANATION_KEYS:
            return self.explanation()
        if key in POSITION_KEYS:
            return (
                f"{business.name} ranks #{business.rank} in local search results for "
                f"{business.trade.keyword} in {business.city}."
            )
        return self._business_field(key, business)

    def item_sources(self, property_name: str) -> Sequence[Answerer]:
        key = snake_case(property_name)
        if "competitor" in key or key in {"rivals", "similar_businesses"}:
            others = [b for b in self.facts.mentioned if b is not self.business]
            return [Answerer(replace(self.facts, business=other)) for other in others[:5]]
        if key in PEOPLE_KEYS and self.owner_name():
            return [Answerer(self.facts, person=True)]
        return []

    def choose_enum(self, property_name: str, members: Sequence[Any]) -> Any:
        """The first member the prompt mentions, else the first member."""
        folded = self.facts.user_text.casefold()
        for member in members:
            if isinstance(member, str) and re.search(
                rf"\b{re.escape(member.casefold())}\b", folded
            ):
                return member
        return members[0]

    def generic_text(self, property_name: str) -> str:
        words = snake_case(property_name).replace("_", " ")
        if self.business is None:
            return f"No {words} found"
        return f"{words.capitalize()} of {self.business.name}"

    # --- answers -----------------------------------------------------------------------

    def owner_name(self) -> str | None:
        business = self.business
        if business is None:
            return None
        named = business.owner_name.casefold() in self.facts.text.casefold()
        if named or (not self.facts.extraction and business.owner_publicly_known):
            return business.owner_name
        return None

    def summary(self) -> str:
        business = self.business
        assert business is not None
        services = " and ".join(service.lower() for service in business.services[:2])
        where = f"{business.city}, {business.state}" if business.state else business.city
        sentence = f"{business.name} is a {business.trade.keyword} in {where} offering {services}"
        if business.rating is not None:
            sentence += (
                f", rated {business.rating} from {business.user_rating_count} Google reviews"
            )
        return sentence + "."

    def strengths(self) -> list[str]:
        business = self.business
        assert business is not None
        strengths = []
        if business.rating is not None and business.rating >= 4.5:
            strengths.append(f"Excellent {business.rating}-star rating")
        if business.user_rating_count >= 150:
            strengths.append(f"Large review base ({business.user_rating_count} reviews)")
        if business.founded_year <= 2005:
            strengths.append(f"Established business since {business.founded_year}")
        if len(business.services) >= 5:
            strengths.append("Broad range of services")
        if business.website_uri:
            strengths.append("Has its own website")
        return strengths[:3] or [f"Local presence in {business.city}"]

    def gaps_and_recommendations(self) -> list[tuple[str, str]]:
        business = self.business
        assert business is not None
        average_rating, average_reviews = self._field_averages()
        pairs = []
        rating = business.rating
        if rating is not None and average_rating is not None and rating < average_rating - 0.05:
            pairs.append(
                (
                    f"Lower rating than competitors ({rating} vs {average_rating:.1f} average)",
                    "Ask satisfied customers for reviews and answer critical ones publicly",
                )
            )
        if average_reviews is not None and business.user_rating_count < average_reviews:
            pairs.append(
                (
                    f"Fewer reviews than competitors ({business.user_rating_count} vs "
                    f"{average_reviews:.0f} average)",
                    "Send a review request after every completed job",
                )
            )
        if not business.website_uri:
            pairs.append(
                (
                    "No website listed on Google",
                    "Launch a simple website with services, prices and contact details",
                )
            )
        if not business.phone_listed:
            pairs.append(
                ("No phone number on the Google listing", "Add a phone number to the listing")
            )
        return pairs[:3] or [
            (
                "Limited online marketing compared with top-ranked competitors",
                "Post photos and seasonal offers on the Google Business Profile",
            )
        ]

    def explanation(self) -> str:
        business = self.business
        assert business is not None
        owner = self.owner_name()
        if owner:
            return f"{owner} is named as {business.owner_title.lower()} of {business.name}."
        return f"The available information about {business.name} does not name its owner."

    # --- helpers -----------------------------------------------------------------------

    def _field_averages(self) -> tuple[float | None, float | None]:
        """Averages the prompt states, else those of the competitors it names."""
        text = self.facts.user_text or self.facts.text
        rating_match, reviews_match = AVERAGE_RATING.search(text), AVERAGE_REVIEWS.search(text)
        others = [b for b in self.facts.mentioned if b is not self.business]
        rated = [b.rating for b in others if b.rating is not None]
        average_rating = (
            float(rating_match.group(1))
            if rating_match
            else sum(rated) / len(rated)
            if rated
            else None
        )
        counts = [b.user_rating_count for b in others]
        average_reviews = (
            float(reviews_match.group(1).replace(",", ""))
            if reviews_match
            else sum(counts) / len(counts)
            if counts
            else None
        )
        return average_rating, average_reviews

    def _email(self) -> str | None:
        """An address the prompt contains (de-obfuscated), the business's own first."""
        text = self.facts.user_text or self.facts.text
        candidates = [match.group() for match in EMAIL_PATTERN.finditer(text)]
        for local, domain in OBFUSCATED_EMAIL.findall(text):
            domain = re.sub(r"\s*(?:\[\s*dot\s*\]|\.)\s*", ".", domain)
            candidates.append(f"{local}@{domain}")
        if self.business and self.business.email in candidates:
            return self.business.email
        if self.business:
            own = [c for c in candidates if c.lower().endswith("@" + self.business.domain)]
            if own:
                return own[0]
        return candidates[0] if candidates else None

    def _phone(self) -> str | None:
        text = self.facts.user_text or self.facts.text
        numbers = [f"+1{a}{b}{c}" for a, b, c in PHONE_PATTERN.findall(text)]
        if self.business and self.business.phone_e164 in numbers:
            return self.business.phone_e164
        return numbers[0] if numbers else None

    def _without_business(self, key: str) -> Any:
        if key in SERVICES_KEYS:
            return []
        if key in SUMMARY_KEYS | EXPLANATION_KEYS | POSITION_KEYS:
            return "The business could not be identified from the information provided."
        if key in STRENGTHS_KEYS | GAPS_KEYS:
            return ["Not enough information to assess"]
        if key in RECOMMENDATIONS_KEYS:
            return ["Provide the business name, website or listing details for an assessment"]
        return NO_VALUE

    def _business_field(self, key: str, business: Business) -> Any:
        fields: dict[str, Any] = {
            "rating": business.rating,
            "user_rating_count": business.user_rating_count,
            "review_count": business.user_rating_count,
            "rank": business.rank,
            "place_id": business.place_id,
            "website": business.website_uri,
            "website_url": business.website_uri,
            "website_uri": business.website_uri,
            "address": business.formatted_address,
            "formatted_address": business.formatted_address,
            "city": business.city,
            "industry": business.trade.keyword,
            "category": business.trade.keyword,
            "social_profiles": [
                p.url for p in business.social_profiles if p.url in self.facts.text
            ],
        }
        if key in BUSINESS_NAME_KEYS or (key == "name" and not self.person):
            return business.name
        return fields.get(key, NO_VALUE)
