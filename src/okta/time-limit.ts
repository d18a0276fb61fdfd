/**
 * Okta waits 3 s for the whole exchange and then sends the code itself: a hook still waiting on
 * Telesign then may deliver a second code. The check of the hook's budget (TELESIGN_TIMEOUT_MS),
 * the preview's check and the console's figures all read this one value.
 */
export const oktaLimitMs = 3_000;
