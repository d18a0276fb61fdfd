/**
 * The suite's own Telesign API key and Okta hook secrets (support/hook.ts builds its hooks and
 * requests with them) and its database password. test/setup.ts registers them as sensitive for every test file.
 */
export const apiKey = Buffer.from("telesign test api key 7f3a").toString("base64");
export const oktaSecret = "Basic b2t0YTpob29rLXNlY3JldC0xNzI5";
/** A plain hook secret, as an admin may set OKTA_AUTH_SECRETS. */
export const plainHookSecret = "hook-secret-1729";

/** The password of the connection string Netlify gives the functions (support/database.ts's neon-http access). */
export const neonPassword = "not-a-real-neon-password";

export const suiteSecrets = [apiKey, oktaSecret, plainHookSecret, neonPassword];
