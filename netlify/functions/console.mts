/**
 * The helpdesk console's server side, at /console/auth/* (sign-in through the org's Okta, sign-out)
 * and /console/api/* (the session, lookups, health figures: JSON for the pages of public/console/).
 * Off until CONSOLE_OKTA_ISSUER, CONSOLE_OKTA_CLIENT_ID, CONSOLE_OKTA_CLIENT_SECRET,
 * CONSOLE_GROUPS and CONSOLE_SESSION_KEY are set: with none of them, every path answers 404; with
 * some, 503 "misconfigured" (npm run check says what to fix).
 */
import type { Config } from "@netlify/functions";
import { loadConfig } from "../../src/config.ts";
import { parseConsoleConfig } from "../../src/console/console-config.ts";
import { databaseRecords } from "../../src/console/database-records.ts";
import { createConsole } from "../../src/handlers/console.ts";
import { netlifyDatabase } from "../../src/storage/database.ts";

const settings = loadConfig(parseConsoleConfig);
const phoneHashKey = settings.ok && settings.config.enabled ? settings.config.phoneHashKey : undefined;
const records = databaseRecords(netlifyDatabase, phoneHashKey);

const helpdeskConsole = createConsole({ config: settings, records: () => records });

export default (request: Request): Promise<Response> => helpdeskConsole(request);

export const config: Config = { path: ["/console/auth/*", "/console/api/*"] };
