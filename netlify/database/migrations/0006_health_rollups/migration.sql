-- The helpdesk console's health figures, rolled up by the hour: each closed hour whose delivery
-- reports can no longer change (a day and an hour after its start) is counted once, so that a
-- period's figures read these rows, not every request of the period. Nothing in them names a
-- person: counts by hour, channel, country, verdict, rule, Telesign code and time bucket only.
-- An applied migration is history: change the schema with a new migration, never by editing this.

CREATE TABLE health_hours (
  hour timestamptz PRIMARY KEY,
  rolled_up_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE health_hours IS
  'One row per hour whose health figures are rolled up (health_outcomes, health_errors, health_timings). '
  'Deleted, with its figures, once the whole hour is past TRANSACTION_RETENTION_DAYS.';
COMMENT ON COLUMN health_hours.hour IS 'The hour''s start (UTC): its requests were received from then for an hour.';
COMMENT ON COLUMN health_hours.rolled_up_at IS 'When the hour was rolled up (the database''s clock).';

CREATE TABLE health_outcomes (
  hour timestamptz NOT NULL REFERENCES health_hours (hour) ON DELETE CASCADE,
  channel text NOT NULL,
  country text NOT NULL,
  verdict text NOT NULL,
  rule text,
  count integer NOT NULL
);
CREATE INDEX health_outcomes_hour ON health_outcomes (hour);
COMMENT ON TABLE health_outcomes IS
  'Codes of a rolled-up hour (duplicates of an eventId left out), counted by channel, country, verdict and, '
  'when blocked, rule. Deleted with its hour (health_hours).';
COMMENT ON COLUMN health_outcomes.hour IS 'The hour the hook received the codes in (health_hours.hour).';
COMMENT ON COLUMN health_outcomes.channel IS 'sms, voice, or unknown.';
COMMENT ON COLUMN health_outcomes.country IS
  'The destination''s ISO 3166-1 alpha-2 code, else its calling code (+44), else unknown.';
COMMENT ON COLUMN health_outcomes.verdict IS
  'What became of the codes: delivered, failed, pending (no final report within a day), blocked or fallback.';
COMMENT ON COLUMN health_outcomes.rule IS 'For blocked codes: the first kind of rule that refused them; else NULL.';
COMMENT ON COLUMN health_outcomes.count IS 'How many codes.';

CREATE TABLE health_errors (
  hour timestamptz NOT NULL REFERENCES health_hours (hour) ON DELETE CASCADE,
  code integer NOT NULL,
  description text,
  count integer NOT NULL,
  PRIMARY KEY (hour, code)
);
COMMENT ON TABLE health_errors IS
  'Telesign''s errors of a rolled-up hour: sends it refused (by when the request came) and failed delivery '
  'reports (by when the report came). Deleted with its hour (health_hours).';
COMMENT ON COLUMN health_errors.hour IS 'The hour (health_hours.hour).';
COMMENT ON COLUMN health_errors.code IS 'Telesign''s status code.';
COMMENT ON COLUMN health_errors.description IS 'Telesign''s description of the code (the greatest of the hour''s).';
COMMENT ON COLUMN health_errors.count IS 'How many refusals or reports.';

CREATE TABLE health_timings (
  hour timestamptz NOT NULL REFERENCES health_hours (hour) ON DELETE CASCADE,
  timing text NOT NULL,
  bucket integer NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (hour, timing, bucket)
);
COMMENT ON TABLE health_timings IS
  'Histograms of a rolled-up hour''s times, for their percentiles. Deleted with its hour (health_hours).';
COMMENT ON COLUMN health_timings.hour IS 'The hour the hook received the codes in (health_hours.hour).';
COMMENT ON COLUMN health_timings.timing IS
  'hook: the hook''s answer time; delivered: from Okta''s request to Telesign''s delivered report.';
COMMENT ON COLUMN health_timings.bucket IS
  'hook: b holds times from 10·b ms to 10·(b+1) ms; delivered: 0 holds under 1 ms, b > 0 from 1.02^(b-1) ms '
  'to 1.02^b ms.';
COMMENT ON COLUMN health_timings.count IS 'How many codes took a time in the bucket.';
