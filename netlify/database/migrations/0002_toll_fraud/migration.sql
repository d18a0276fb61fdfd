-- The toll-fraud guard: its rate counters, Telesign's risk scores it keeps for a day, and what it
-- decided about each request. Never a full phone number: counters and scores are keyed by digests.
-- An applied migration is history: change the schema with a new migration, never by editing this.

CREATE TABLE fraud_counters (
  counter_key text NOT NULL,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  hit_limit integer NOT NULL CHECK (hit_limit >= 1),
  hits integer NOT NULL CHECK (hits >= 0),
  PRIMARY KEY (counter_key, window_start)
);

COMMENT ON TABLE fraud_counters IS
  'One row per rate-limit counter and fixed window (FRAUD_LIMITS): the codes the guard let through in it. '
  'A code is counted by one INSERT … ON CONFLICT DO UPDATE … WHERE hits < hit_limit over all its counters, '
  'and given back when it is not sent after all. Deleted by the retention sweep once window_end has passed.';
COMMENT ON COLUMN fraud_counters.counter_key IS
  'scope/window:subject, e.g. number/1h:<digest>, range/1h:<digest>, user/1h:<digest>, country/1d:GB, all/1d:all. '
  'Numbers, ranges and user ids are HMAC-SHA256 digests under PHONE_HASH_KEY (SHA-256 without it).';
COMMENT ON COLUMN fraud_counters.window_start IS 'The fixed window''s start: a multiple of its length since the Unix epoch (UTC).';
COMMENT ON COLUMN fraud_counters.hit_limit IS 'The limit in force when the code was last counted.';
COMMENT ON COLUMN fraud_counters.hits IS 'Codes let through in the window (never more than hit_limit).';

CREATE INDEX fraud_counters_window_end ON fraud_counters (window_end);

CREATE TABLE risk_scores (
  phone_key text PRIMARY KEY,
  recommendation text NOT NULL CHECK (recommendation IN ('allow', 'flag', 'block')),
  score integer,
  risk_level text,
  scored_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

COMMENT ON TABLE risk_scores IS
  'Telesign Intelligence (Score) answers per number (TELESIGN_RISK_CHECK), reused for a day: each is billed. '
  'Deleted by the retention sweep once expires_at has passed.';
COMMENT ON COLUMN risk_scores.phone_key IS 'The number''s digest, as fraud_counters keys it.';

CREATE INDEX risk_scores_expires_at ON risk_scores (expires_at);

ALTER TABLE okta_requests
  ADD COLUMN destination_country text CHECK (destination_country ~ '^[A-Z]{2}$'),
  ADD COLUMN fraud_verdict text CHECK (fraud_verdict IN ('blocked', 'would_block', 'unavailable')),
  ADD COLUMN fraud_rules text,
  ADD COLUMN fraud_scope text;

COMMENT ON COLUMN okta_requests.destination_country IS
  'The number''s country by the numbering plan (ISO 3166-1 alpha-2: +1 876 is JM), when known.';
COMMENT ON COLUMN okta_requests.fraud_verdict IS
  'The toll-fraud guard: blocked (outcome blocked), would_block (FRAUD_MODE=monitor: the code was sent), '
  'unavailable (its counters did not answer in time), or NULL when no rule objected.';
COMMENT ON COLUMN okta_requests.fraud_rules IS
  'The kinds of rule that refused or would have refused: country, number_type, rate_limit, risk_score, '
  'message_text, unavailable (comma-separated).';
COMMENT ON COLUMN okta_requests.fraud_scope IS 'For a rate limit: the scope and window that was full, e.g. range/1h.';
