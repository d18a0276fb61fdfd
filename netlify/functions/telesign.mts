/**
 * Okta's telephony inline hook, served at /.netlify/functions/telesign.
 *
 * Okta POSTs one request per one-time passcode (enrollment, sign-in, unlock, password reset).
 * The hook authenticates Okta, validates the request, sends the code through Telesign Messaging
 * (SMS or voice) and answers with Okta's `commands` or `error` body within the deadline.
 * Configuration: environment variables, see the README.
 */
import { loadConfig } from "../../src/config.ts";
import { createTelephonyHook } from "../../src/telephony-hook.ts";

const telephonyHook = createTelephonyHook({ config: loadConfig() });

export default (request: Request): Promise<Response> => telephonyHook(request);
