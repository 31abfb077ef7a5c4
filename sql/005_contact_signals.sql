-- Every market's contact data, read right (issue 14): each prospect's own country,
-- and each contact's type and deliverability signals.

-- The country of the business as Places says it (addressComponents, else the
-- international phone number): national phone numbers are read in it.
ALTER TABLE prospects ADD COLUMN country_code TEXT;

-- A phone's line type (mobile, landline, toll_free, ...), a social profile's holder
-- (business or person); and an email's deliverability signals: syntax, the mail
-- domain's MX (or A) records, role account, free mail, disposable, and the verdict
-- deliverable yes | no | unknown.
ALTER TABLE prospect_contacts ADD COLUMN contact_type TEXT;
ALTER TABLE prospect_contacts ADD COLUMN signals JSONB;

-- What a lead carries besides its best values: the country, the verdict on its
-- email, and every contact (type, provenance, signals), best first, for exports
-- and the API.
ALTER TABLE leads ADD COLUMN country_code TEXT;
ALTER TABLE leads ADD COLUMN email_deliverable TEXT;
ALTER TABLE leads ADD COLUMN contacts JSONB;
