-- The international numbers no country owns (+800, +808, +870, +881, +882, +883, +888, +979) have
-- the destination country INTL (FRAUD_COUNTRIES names them so), which 0002's check refused: the
-- whole record of such a request, and its send status, was lost. The check now accepts INTL too.
-- An applied migration is history: change the schema with a new migration, never by editing this.

ALTER TABLE okta_requests
  DROP CONSTRAINT okta_requests_destination_country_check,
  ADD CONSTRAINT okta_requests_destination_country_check CHECK (destination_country ~ '^([A-Z]{2}|INTL)$');

COMMENT ON CONSTRAINT okta_requests_destination_country_check ON okta_requests IS
  'An ISO 3166-1 alpha-2 code, or INTL: every country the numbering plan can give (src/fraud/numbering.ts).';
COMMENT ON COLUMN okta_requests.destination_country IS
  'The number''s country by the numbering plan (ISO 3166-1 alpha-2: +1 876 is JM), INTL for the '
  'international numbers no country owns (+800, +870, +881, +882, +883…), when known.';
