-- Every column says what it holds: the columns 0001 and 0002 left undocumented, and corrections to
-- comments that no longer hold. Comments only: no data or structure changes.
-- An applied migration is history: change the schema with a new migration, never by editing this.

COMMENT ON COLUMN okta_requests.id IS 'The row''s own number, in insertion order.';
COMMENT ON COLUMN okta_requests.channel IS 'How the code was to be delivered: sms or voice.';
COMMENT ON COLUMN okta_requests.telesign_http_status IS 'The HTTP status of Telesign''s answer to the send.';
COMMENT ON COLUMN okta_requests.telesign_attempts IS
  'How many times the send was submitted to Telesign (more than one only where nothing can have been sent).';
COMMENT ON COLUMN okta_requests.claim_ms IS
  'Time from the start of the duplicate-event claim until both it and the toll-fraud counters, which run '
  'side by side, had answered (the claim alone when no counter applies).';
COMMENT ON COLUMN okta_requests.event_id IS
  'Okta''s eventId (at most 200 characters kept; a control character is stored as U+FFFD).';
COMMENT ON COLUMN okta_requests.okta_login IS
  'data.userProfile.login, as Okta sent it (look up with lower()); a control character is stored as U+FFFD.';

COMMENT ON COLUMN delivery_statuses.reference_id IS 'Telesign''s reference id of the message (32 hex digits).';
COMMENT ON COLUMN delivery_statuses.code IS 'Telesign''s status code (e.g. 3001 in progress, 3000 delivered).';
COMMENT ON COLUMN delivery_statuses.description IS
  'Telesign''s description of the status (at most 500 characters kept; a control character is stored as U+FFFD).';
COMMENT ON COLUMN delivery_statuses.time_key IS
  'updated_on when dated, else empty: part of the key, so that an undated status is one per code.';
COMMENT ON COLUMN delivery_statuses.source IS 'send: the hook''s answer from Telesign; callback: a delivery callback.';
COMMENT ON COLUMN delivery_statuses.last_channel IS 'The channel Telesign last tried (callbacks), e.g. sms or voice.';

COMMENT ON COLUMN event_claims.claimed_at IS 'When the claim was taken (the database''s clock).';
COMMENT ON COLUMN event_claims.holder IS
  'A random id of the request that holds the claim: only it answers or releases the claim. A delivered send '
  'is settled by an upsert, so its answer is stored even when the claim itself never landed.';

COMMENT ON COLUMN fraud_counters.counter_key IS
  'scope/window:subject, e.g. number/1h:<digest>, range/1h:<digest>, user/1h:<digest>, country/1d:GB, all/1d:all. '
  'Numbers, ranges and user ids are HMAC-SHA256 digests under PHONE_HASH_KEY, or under a key derived from '
  'TELESIGN_API_KEY without it; never a plain hash (without either secret they are not stored).';
COMMENT ON COLUMN fraud_counters.window_end IS 'The fixed window''s end: the row is deleted once it has passed.';

COMMENT ON COLUMN risk_scores.phone_key IS 'The number''s keyed digest, as fraud_counters keys it.';
COMMENT ON COLUMN risk_scores.recommendation IS 'Telesign''s recommendation: allow, flag or block.';
COMMENT ON COLUMN risk_scores.score IS 'Telesign''s risk score (0 to 1000), when it gave one.';
COMMENT ON COLUMN risk_scores.risk_level IS 'Telesign''s risk level (e.g. low, high), when it gave one.';
COMMENT ON COLUMN risk_scores.scored_at IS 'When Telesign answered (the hook''s clock).';
COMMENT ON COLUMN risk_scores.expires_at IS 'A day after scored_at: the answer is reused until then.';
