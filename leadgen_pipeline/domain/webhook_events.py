"""The webhook events other systems (a CRM, a form) may send, by type."""

from enum import StrEnum


class WebhookEventType(StrEnum):
    SEARCH_REQUESTED = "search.requested"
    PROSPECT_REENRICH_REQUESTED = "prospect.reenrich_requested"
