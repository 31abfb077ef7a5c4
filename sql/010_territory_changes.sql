-- History of a territory (issue 10): what each run of a search saw change for its places.
--
-- Portable DDL (PostgreSQL and SQLite). Changes are keyed by search, run, place, kind
-- and field, so a retry or re-execution of the same run never records one twice.

-- What a search last saw of each of its places: the baseline the next run is compared
-- with. Per search, not per place: a place two searches share is compared, for each
-- search, with what that search saw. The listing fields (status, phone, website) come
-- from Places and fall under its caching terms: retention clears them and sets
-- listing_observed_at to NULL (unknown: the next run re-observes, reports no change).
-- Email and owner are what enrichment found on the business's own pages: kept.
CREATE TABLE territory_observations (
    search_id            TEXT NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
    place_id             TEXT NOT NULL,
    business_status      TEXT,
    phone                TEXT,
    website              TEXT,
    listing_observed_at  TIMESTAMP WITH TIME ZONE,
    email                TEXT,
    owner                TEXT,
    contacts_observed_at TIMESTAMP WITH TIME ZONE,
    first_seen_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    run_id               TEXT,
    PRIMARY KEY (search_id, place_id)
);

-- The feed: kind new | gone | closed | reopened | changed; field ('' unless kind is
-- changed: phone, website, email or owner) with its value before and after.
CREATE TABLE territory_changes (
    search_id    TEXT NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
    run_id       TEXT NOT NULL,
    place_id     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    field        TEXT NOT NULL DEFAULT '',
    before       TEXT,
    after        TEXT,
    observed_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (search_id, run_id, place_id, kind, field)
);
CREATE INDEX ix_territory_changes_feed ON territory_changes (search_id, observed_at);

-- When the search's territory was first observed: NULL until its first run stored
-- prospects, which is the baseline (nothing is "new" on a first run).
ALTER TABLE searches ADD COLUMN territory_observed_at TIMESTAMP WITH TIME ZONE;

-- Retention of Google's data (issue 10): when retention cleared the prospect's Places
-- listing (name, address, phones, website, rating...) for being older than the limit;
-- NULL while the listing is as Places last gave it. The place id is kept.
ALTER TABLE prospects ADD COLUMN places_cleared_at TIMESTAMP WITH TIME ZONE;
