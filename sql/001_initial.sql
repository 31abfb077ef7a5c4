-- Leadgen application schema, version 1.
--
-- Portable DDL: the same statements run on PostgreSQL (production, tests) and
-- SQLite (the embedded default). Natural keys everywhere (Google place ids and
-- search partition keys), so no dialect-specific identity columns are needed
-- and every write can be an idempotent upsert. JSONB is a real type on
-- PostgreSQL; SQLite accepts the name and stores the JSON text. Key columns say
-- NOT NULL because SQLite, unlike PostgreSQL, lets a TEXT primary key hold NULL.

-- One row per search partition ("keyword in location"); id is the partition key.
CREATE TABLE searches (
    id                TEXT NOT NULL PRIMARY KEY,
    keyword           TEXT NOT NULL,
    location          TEXT NOT NULL,
    text_query        TEXT NOT NULL,
    target_business   TEXT,
    status            TEXT NOT NULL DEFAULT 'requested',
    requested_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    requested_by      TEXT NOT NULL DEFAULT 'unknown',
    last_run_id       TEXT,
    last_searched_at  TIMESTAMP WITH TIME ZONE,
    pages_fetched     INTEGER,
    result_count      INTEGER,
    result_capped     BOOLEAN,
    last_error        TEXT
);

-- Raw Places API pages exactly as returned, for audit and for replaying the
-- normalisation without spending quota.
CREATE TABLE places_results (
    search_id     TEXT NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
    page_number   INTEGER NOT NULL,
    request       JSONB NOT NULL,
    response      JSONB NOT NULL,
    place_count   INTEGER NOT NULL,
    fetched_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    run_id        TEXT,
    PRIMARY KEY (search_id, page_number)
);

-- One row per Google place, shared by every search that found it.
CREATE TABLE prospects (
    place_id              TEXT NOT NULL PRIMARY KEY,
    name                  TEXT NOT NULL,
    formatted_address     TEXT,
    latitude              DOUBLE PRECISION,
    longitude             DOUBLE PRECISION,
    primary_type          TEXT,
    types                 JSONB NOT NULL,
    business_status       TEXT,
    phone_e164            TEXT,
    national_phone        TEXT,
    website               TEXT,
    google_maps_uri       TEXT,
    rating                DOUBLE PRECISION,
    user_rating_count     INTEGER,
    first_seen_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    enrichment_status     TEXT NOT NULL DEFAULT 'pending',
    enrichment_attempts   INTEGER NOT NULL DEFAULT 0,
    enrichment_error      TEXT,
    enriched_at           TIMESTAMP WITH TIME ZONE
);

-- Which search found which place, at which rank (1 = first result).
CREATE TABLE search_prospects (
    search_id    TEXT NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
    place_id     TEXT NOT NULL REFERENCES prospects (place_id),
    rank         INTEGER NOT NULL,
    seen_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (search_id, place_id)
);
CREATE INDEX ix_search_prospects_place ON search_prospects (place_id);

-- AI intelligence and competitor analysis on a search's target business.
CREATE TABLE ai_intelligence (
    search_id            TEXT NOT NULL PRIMARY KEY REFERENCES searches (id) ON DELETE CASCADE,
    target_place_id      TEXT NOT NULL REFERENCES prospects (place_id),
    target_match         JSONB NOT NULL,
    competitor_analysis  JSONB NOT NULL,
    intelligence         JSONB NOT NULL,
    model                TEXT NOT NULL,
    prompt_tokens        INTEGER NOT NULL,
    completion_tokens    INTEGER NOT NULL,
    cost_usd             DOUBLE PRECISION NOT NULL,
    created_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    run_id               TEXT
);

-- Prospects promoted for carrying usable contact data.
CREATE TABLE leads (
    place_id         TEXT NOT NULL PRIMARY KEY REFERENCES prospects (place_id),
    origin_search_id TEXT NOT NULL REFERENCES searches (id),
    name             TEXT NOT NULL,
    phone_e164       TEXT,
    email            TEXT,
    website          TEXT,
    owner_name       TEXT,
    owner_title      TEXT,
    socials          JSONB NOT NULL,
    quality_score    INTEGER NOT NULL,
    score_reasons    JSONB NOT NULL,
    provenance       JSONB NOT NULL,
    is_target        BOOLEAN NOT NULL DEFAULT FALSE,
    promoted_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

-- A directory collection per keyword + location (id = the search partition key).
CREATE TABLE lead_collections (
    id                TEXT NOT NULL PRIMARY KEY REFERENCES searches (id) ON DELETE CASCADE,
    keyword           TEXT NOT NULL,
    location          TEXT NOT NULL,
    lead_count        INTEGER NOT NULL,
    with_email        INTEGER NOT NULL,
    with_phone        INTEGER NOT NULL,
    with_owner        INTEGER NOT NULL,
    with_website      INTEGER NOT NULL,
    average_rating    DOUBLE PRECISION,
    average_quality   DOUBLE PRECISION,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ix_lead_collections_location ON lead_collections (location);

CREATE TABLE lead_collection_members (
    collection_id  TEXT NOT NULL REFERENCES lead_collections (id) ON DELETE CASCADE,
    place_id       TEXT NOT NULL REFERENCES leads (place_id),
    rank           INTEGER NOT NULL,
    PRIMARY KEY (collection_id, place_id)
);
