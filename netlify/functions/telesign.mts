/**
 * Okta's telephony inline hook, served at /.netlify/functions/telesign.
 *
 * Okta POSTs one request per one-time passcode (enrollment, sign-in, unlock, password reset).
 * The hook authenticates Okta, validates the request, sends the code through Telesign Messaging
 * (SMS or voice) and answers with Okta's `commands` or `error` body within the deadline. A
 * repeated eventId gets the first answer instead of a second message (claims in Netlify Database).
 * Each answered request is recorded after the answer (`context.waitUntil`).
 * Configuration: environment variables, see the README.
 */
import type { Context } from "@netlify/functions";
import { loadConfig, parseConfig } from "../../src/config.ts";
import { parseGuardConfig } from "../../src/fraud/guard-config.ts";
import { createTelephonyHook } from "../../src/handlers/telephony-hook.ts";
import { jsonLogger } from "../../src/log.ts";
import { netlifyDatabase } from "../../src/storage/database.ts";
import { createDuplicateEvents } from "../../src/storage/duplicate-events.ts";
import { databaseRateCounters, databaseRiskCache } from "../../src/storage/fraud-store.ts";
import { netlifyTransactionStore } from "../../src/storage/transaction-store.ts";

const telephonyHook = createTelephonyHook({
  config: loadConfig(parseConfig),
  duplicates: createDuplicateEvents({ database: netlifyDatabase, log: jsonLogger }),
  transactions: netlifyTransactionStore,
  fraud: {
    config: loadConfig(parseGuardConfig),
    counters: databaseRateCounters(netlifyDatabase),
    riskCache: databaseRiskCache(netlifyDatabase),
  },
});

export default (request: Request, context: Context): Promise<Response> => telephonyHook(request, context);
