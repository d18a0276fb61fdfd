-- A claim released after a failed send (nothing was sent) is kept as a row in state released
-- instead of being deleted: its holder's own claim statement landing late, after the release,
-- then finds the row and does nothing, where it used to bring back a sending claim that held off
-- Okta's retry until the code expired. Another request takes a released claim over.
-- An applied migration is history: change the schema with a new migration, never by editing this.

ALTER TABLE event_claims DROP CONSTRAINT event_claims_state_check;
ALTER TABLE event_claims ADD CONSTRAINT event_claims_state_check
  CHECK (state IN ('sending', 'answered', 'released'));

COMMENT ON CONSTRAINT event_claims_state_check ON event_claims IS
  'A claim is sending, answered or released: the three states the hook writes.';
COMMENT ON COLUMN event_claims.state IS
  'sending while the first request waits on Telesign; answered once it has; released when its send failed '
  'and nothing was sent (the next request for the eventId takes the claim over, never its own holder).';
COMMENT ON COLUMN event_claims.holder IS
  'A random id of the request that holds the claim: only it answers or releases the claim. A delivered send '
  'is settled by an upsert, and a failed one released by an upsert, so the outcome is stored even when the '
  'claim itself never landed or lands later.';
