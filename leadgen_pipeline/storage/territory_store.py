"""The history of a territory: what each search last saw of its places, and the changes.

One query per question: the API, the CLI and the directory read the feed through
`territory_changes_since` and the marks through `recent_change_kinds`.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from leadgen_pipeline.domain.territory import CONTACT_FIELDS, Change, Listing, Observed
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import in_utc, upsert, utcnow
from leadgen_pipeline.storage.locks import exclusive

MAX_FEED_ROWS = 10_000


@contextmanager
def observing(engine: Engine, search_id: str) -> Iterator[None]:
    """Hold while reading what a search saw and recording a run's changes: two runs of one
    search at once compare one after the other, never both with the same baseline."""
    with exclusive(engine, f"territory:{search_id}"):
        yield


def is_baseline(conn: Connection, search_id: str) -> bool:
    """True until a run of the search stored what it saw: that first run is the baseline."""
    observed = conn.execute(
        sa.select(t.searches.c.territory_observed_at).where(t.searches.c.id == search_id)
    ).scalar_one_or_none()
    return observed is None


def listing_observations(conn: Connection, search_id: str) -> dict[str, Observed]:
    """Every place the search saw, with its listing (None once retention cleared it)."""
    o = t.territory_observations
    query = sa.select(
        o.c.place_id, o.c.business_status, o.c.phone, o.c.website, o.c.listing_observed_at
    ).where(o.c.search_id == search_id)
    return {
        row.place_id: Observed(
            row.place_id,
            Listing(row.place_id, row.business_status, row.phone, row.website)
            if row.listing_observed_at is not None
            else None,
        )
        for row in conn.execute(query)
    }


def contact_observations(
    conn: Connection, search_id: str
) -> dict[str, Mapping[str, str | None] | None]:
    """The email and owner the search saw of each place; None when never observed."""
    o = t.territory_observations
    query = sa.select(o.c.place_id, o.c.email, o.c.owner, o.c.contacts_observed_at).where(
        o.c.search_id == search_id
    )
    return {
        row.place_id: {"email": row.email, "owner": row.owner}
        if row.contacts_observed_at is not None
        else None
        for row in conn.execute(query)
    }


def _insert_changes(
    conn: Connection, search_id: str, run_id: str, changes: Sequence[Change], now: datetime
) -> None:
    rows = [
        {
            "search_id": search_id,
            "run_id": run_id,
            "place_id": c.place_id,
            "kind": c.kind.value,
            "field": c.field,
            "before": c.before,
            "after": c.after,
            "observed_at": now,
        }
        for c in changes
    ]
    # A change already recorded for this run stays as first recorded.
    upsert(
        conn,
        t.territory_changes,
        rows,
        ["search_id", "run_id", "place_id", "kind", "field"],
        update_columns=[],
    )


def record_listings(
    engine: Engine,
    search_id: str,
    run_id: str,
    listings: Sequence[Listing],
    changes: Sequence[Change],
    *,
    complete: bool,
) -> None:
    """In one transaction: the run's changes, what it saw as the search's new baseline, and
    (when it covered the whole area) the places it no longer saw forgotten."""
    now = utcnow()
    o = t.territory_observations
    with engine.begin() as conn:
        _insert_changes(conn, search_id, run_id, changes, now)
        upsert(
            conn,
            o,
            [
                {
                    "search_id": search_id,
                    "place_id": listing.place_id,
                    "business_status": listing.business_status,
                    "phone": listing.phone,
                    "website": listing.website,
                    "listing_observed_at": now,
                    "first_seen_at": now,
                    "run_id": run_id,
                }
                for listing in listings
            ],
            ["search_id", "place_id"],
            update_columns=[
                "business_status",
                "phone",
                "website",
                "listing_observed_at",
                "run_id",
            ],
        )
        if complete:
            conn.execute(
                sa.delete(o).where(
                    o.c.search_id == search_id,
                    o.c.place_id.not_in([listing.place_id for listing in listings]),
                )
            )
        conn.execute(
            sa.update(t.searches)
            .where(t.searches.c.id == search_id)
            .values(territory_observed_at=now)
        )


def record_contacts(
    engine: Engine,
    search_id: str,
    run_id: str,
    contacts: Mapping[str, Mapping[str, str | None]],
    changes: Sequence[Change],
) -> None:
    """In one transaction: the changes, and the email and owner now seen of each place the
    search already observes."""
    now = utcnow()
    o = t.territory_observations
    with engine.begin() as conn:
        _insert_changes(conn, search_id, run_id, changes, now)
        if contacts:
            conn.execute(
                sa.update(o)
                .where(o.c.search_id == search_id, o.c.place_id == sa.bindparam("b_place_id"))
                .values(
                    email=sa.bindparam("b_email"),
                    owner=sa.bindparam("b_owner"),
                    contacts_observed_at=now,
                ),
                [
                    {"b_place_id": place_id, **{f"b_{f}": values[f] for f in CONTACT_FIELDS}}
                    for place_id, values in contacts.items()
                ],
            )


def territory_changes_since(
    conn: Connection, search_id: str, since: datetime | None, limit: int = MAX_FEED_ROWS
) -> list[dict[str, Any]]:
    """The search's changes observed at or after `since` (all when None), oldest first,
    with the place's name where the prospect is known."""
    c = t.territory_changes
    query = (
        sa.select(c, t.prospects.c.name)
        .join(t.prospects, t.prospects.c.place_id == c.c.place_id, isouter=True)
        .where(c.c.search_id == search_id)
    )
    if since is not None:
        query = query.where(c.c.observed_at >= in_utc(since))
    query = query.order_by(c.c.observed_at, c.c.place_id, c.c.kind, c.c.field).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def recent_change_kinds(
    conn: Connection, search_id: str, place_ids: Sequence[str], since: datetime
) -> dict[str, set[str]]:
    """Place id -> the kinds of change observed for it since `since` (the directory's marks)."""
    c = t.territory_changes
    query = (
        sa.select(c.c.place_id, c.c.kind)
        .where(
            c.c.search_id == search_id,
            c.c.place_id.in_(list(place_ids)),
            c.c.observed_at >= in_utc(since),
        )
        .distinct()
    )
    kinds: dict[str, set[str]] = {}
    for row in conn.execute(query):
        kinds.setdefault(row.place_id, set()).add(row.kind)
    return kinds
