-- The leads checks read the leads of one search (the partition a run wrote),
-- found by the search that first promoted them as well as by its links; without
-- this index that half of the condition read the whole leads table.
CREATE INDEX ix_leads_origin_search ON leads (origin_search_id);
