-- Indexes for a territory's worth of data (10,000 searches, 1,000,000
-- prospects: docs/benchmarks.md, scale).
--
-- The leads checks read the leads of one search (the partition a run wrote),
-- found by the search that first promoted them as well as by its links; without
-- this index that half of the condition read the whole leads table.
CREATE INDEX ix_leads_origin_search ON leads (origin_search_id);

-- The directory lists collections by location and keyword, a page at a time:
-- in index order, a page reads its own rows, not every collection.
CREATE INDEX ix_lead_collections_listing ON lead_collections (location, keyword, id);
