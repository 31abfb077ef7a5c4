-- Coverage past the 60-result cap of one Places Text Search (issue 9).
--
-- A search covers its whole area by default: the location is resolved to an area
-- through Places (its viewport, name and country), the area is tiled with
-- locationRestriction rectangles, and the tile plan is kept so that a re-run asks
-- the known leaf tiles instead of discovering them again.

-- 'full' (every business in the area) or 'top' (the single query's 60).
ALTER TABLE searches ADD COLUMN coverage TEXT NOT NULL DEFAULT 'full';
-- The area the location resolved to: Places' viewport of the locality (south, west,
-- north, east; west > east crosses the antimeridian), its name and country.
ALTER TABLE searches ADD COLUMN area_name TEXT;
ALTER TABLE searches ADD COLUMN area_south DOUBLE PRECISION;
ALTER TABLE searches ADD COLUMN area_west DOUBLE PRECISION;
ALTER TABLE searches ADD COLUMN area_north DOUBLE PRECISION;
ALTER TABLE searches ADD COLUMN area_east DOUBLE PRECISION;
ALTER TABLE searches ADD COLUMN country_code TEXT;
ALTER TABLE searches ADD COLUMN language_code TEXT;
-- 'complete' or 'incomplete (why)', and the figures behind it (tiles, requests by
-- kind and SKU, estimated cost, places found).
ALTER TABLE searches ADD COLUMN coverage_status TEXT;
ALTER TABLE searches ADD COLUMN coverage_report JSONB;

-- What each stored page was asked for: 'area' (the whole-area query, ranks 1..60),
-- 'tile' (a locationRestriction rectangle) or 'locate' (the location look-up), and the tile.
ALTER TABLE places_results ADD COLUMN request_kind TEXT NOT NULL DEFAULT 'area';
ALTER TABLE places_results ADD COLUMN tile_key TEXT;

-- The tile plan of a search's last run: every tile asked, leaves and split ones.
CREATE TABLE search_tiles (
    search_id     TEXT NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
    tile_key      TEXT NOT NULL,
    south         DOUBLE PRECISION NOT NULL,
    west          DOUBLE PRECISION NOT NULL,
    north         DOUBLE PRECISION NOT NULL,
    east          DOUBLE PRECISION NOT NULL,
    depth         INTEGER NOT NULL,
    result_count  INTEGER NOT NULL,
    saturated     BOOLEAN NOT NULL,
    dense_point   BOOLEAN NOT NULL,
    leaf          BOOLEAN NOT NULL,
    pages         INTEGER NOT NULL,
    requests      INTEGER NOT NULL,
    searched_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    run_id        TEXT,
    PRIMARY KEY (search_id, tile_key)
);
