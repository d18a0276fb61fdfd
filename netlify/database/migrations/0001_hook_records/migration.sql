-- The hook's dynamic data: what it answered Okta, what Telesign reported of each message, and
-- the duplicate-event claims. Never a one-time passcode, a message text or a full phone number.
-- An applied migration is history: change the schema with a new migration, never by editing this.

CREATE TABLE okta_requests (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at timestamptz NOT NULL,
  event_id text,
  okta_request_id text,
  request_type text,
  channel text CHECK (channel IN ('sms', 'voice')),
  okta_user_id text,
  okta_login text,
  phone_masked text,
  phone_hash text,
  country_code text CHECK (country_code ~ '^[0-9]{1,3}$'),
  outcome text NOT NULL,
  reference_id text CHECK (reference_id ~ '^[0-9A-F]{32}$'),
  telesign_code integer,
  telesign_http_status smallint,
  telesign_attempts smallint,
  duplicate_guard text CHECK (duplicate_guard IN ('database', 'memory')),
  claim_ms integer,
  telesign_ms integer,
  duration_ms integer NOT NULL
);

COMMENT ON TABLE okta_requests IS
  'One row per authenticated Okta telephony request the hook answered, written after the answer. '
  'Kept TRANSACTION_RETENTION_DAYS (default 7) after received_at, then deleted by the retention sweep.';
COMMENT ON COLUMN okta_requests.received_at IS 'When the request arrived (the hook''s clock).';
COMMENT ON COLUMN okta_requests.event_id IS 'Okta''s eventId (at most 200 characters kept).';
COMMENT ON COLUMN okta_requests.okta_request_id IS 'data.context.request.id: the request in Okta''s System Log.';
COMMENT ON COLUMN okta_requests.request_type IS 'Okta''s requestType, e.g. com.okta.user.telephony.mfa-verification.';
COMMENT ON COLUMN okta_requests.okta_user_id IS 'data.userProfile.userId.';
COMMENT ON COLUMN okta_requests.okta_login IS 'data.userProfile.login, as Okta sent it (look up with lower()).';
COMMENT ON COLUMN okta_requests.phone_masked IS 'Country code and last four digits: +1******3210.';
COMMENT ON COLUMN okta_requests.phone_hash IS
  'HMAC-SHA256 of the full number (digits, country code first) under PHONE_HASH_KEY, base64url; '
  'NULL when the key is not set. Without the key a leaked table does not reveal a number.';
COMMENT ON COLUMN okta_requests.country_code IS 'The number''s E.164 country calling code (1, 44, 880).';
COMMENT ON COLUMN okta_requests.outcome IS
  'The log''s outcome: accepted, rejected, timeout, unreachable, bad_answer, duplicate, invalid_request, '
  'message_refused, hook_timeout, internal_error, and those later migrations or versions add.';
COMMENT ON COLUMN okta_requests.reference_id IS 'Telesign''s reference id of the message, when Telesign answered one.';
COMMENT ON COLUMN okta_requests.telesign_code IS 'Telesign''s status code in its answer to the send.';
COMMENT ON COLUMN okta_requests.duplicate_guard IS
  'Where the eventId was claimed: database, or memory (the database did not answer in time); NULL without a claim.';
COMMENT ON COLUMN okta_requests.claim_ms IS 'Time taken by the duplicate-event claim.';
COMMENT ON COLUMN okta_requests.telesign_ms IS 'Time taken by Telesign''s send, retries included.';
COMMENT ON COLUMN okta_requests.duration_ms IS 'Time from the request''s arrival to the answer.';

CREATE INDEX okta_requests_received_at ON okta_requests (received_at);
CREATE INDEX okta_requests_event_id ON okta_requests (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX okta_requests_reference_id ON okta_requests (reference_id) WHERE reference_id IS NOT NULL;
CREATE INDEX okta_requests_okta_user_id ON okta_requests (okta_user_id, received_at) WHERE okta_user_id IS NOT NULL;
CREATE INDEX okta_requests_okta_login ON okta_requests (lower(okta_login), received_at) WHERE okta_login IS NOT NULL;
CREATE INDEX okta_requests_phone_hash ON okta_requests (phone_hash, received_at) WHERE phone_hash IS NOT NULL;

CREATE TABLE delivery_statuses (
  reference_id text NOT NULL CHECK (reference_id ~ '^[0-9A-F]{32}$'),
  code integer NOT NULL,
  description text NOT NULL,
  updated_on text NOT NULL,
  dated boolean NOT NULL,
  time_key text GENERATED ALWAYS AS (CASE WHEN dated THEN updated_on ELSE '' END) STORED,
  source text NOT NULL CHECK (source IN ('send', 'callback')),
  last_channel text,
  event_id text,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (reference_id, code, time_key)
);

COMMENT ON TABLE delivery_statuses IS
  'Each status of a message, once: the hook''s send (source send) and Telesign''s delivery callbacks '
  '(source callback), one per reference id, code and Telesign time; a replay lands on its twin. '
  'Kept TRANSACTION_RETENTION_DAYS (default 7) after recorded_at, then deleted by the retention sweep.';
COMMENT ON COLUMN delivery_statuses.updated_on IS
  'Telesign''s time of the status as Telesign wrote it (ISO-8601), or the receipt time when Telesign gave none.';
COMMENT ON COLUMN delivery_statuses.dated IS 'Whether updated_on is Telesign''s; an undated status is one per code.';
COMMENT ON COLUMN delivery_statuses.event_id IS 'Okta''s eventId, from the callback''s external_id.';
COMMENT ON COLUMN delivery_statuses.recorded_at IS 'When the hook stored the status (the hook''s clock).';

CREATE INDEX delivery_statuses_recorded_at ON delivery_statuses (recorded_at);
CREATE INDEX delivery_statuses_event_id ON delivery_statuses (event_id) WHERE event_id IS NOT NULL;

CREATE TABLE event_claims (
  event_key text PRIMARY KEY,
  holder text NOT NULL,
  state text NOT NULL CHECK (state IN ('sending', 'answered')),
  answer jsonb,
  claimed_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

COMMENT ON TABLE event_claims IS
  'The duplicate-event guard: one row per Okta eventId being or having been sent, so that a repeat '
  'on any instance gets the first answer instead of a second message. Deleted one day after the code '
  'expired (expires_at) by the retention sweep.';
COMMENT ON COLUMN event_claims.event_key IS 'SHA-256 of the eventId, base64url: any eventId, one fixed-size key.';
COMMENT ON COLUMN event_claims.holder IS
  'A random id of the request that holds the claim: only it answers or releases the claim.';
COMMENT ON COLUMN event_claims.state IS 'sending while the first request waits on Telesign; answered once it has.';
COMMENT ON COLUMN event_claims.answer IS 'The first request''s answer to Okta, given to repeats (no code in it).';
COMMENT ON COLUMN event_claims.expires_at IS 'When the code expires (Okta''s otpExpires, or 15 minutes).';

CREATE INDEX event_claims_expires_at ON event_claims (expires_at);
