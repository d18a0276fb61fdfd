import { randomBytes } from "node:crypto";
import { type SimulatorServer, serveTelesignSimulator } from "../simulator/server.ts";
import type { TelesignSimulatorOptions } from "../simulator/telesign-simulator.ts";
import { serveFunctions } from "./netlify-emulator.ts";

/**
 * The product running locally: the site's pages (the helpdesk console) and Netlify's own function emulation (`netlify functions:serve
 * --offline`) serving the functions as they deploy, with Netlify's own local database emulation
 * (PGlite, the site's migrations applied) behind them, pointed at the Telesign simulator or at
 * Telesign. Each run builds into a folder of its own, runs the emulator there and has a database
 * of its own (in memory), so that runs side by side (a second `npm start`, the tests, the
 * benchmark) never touch each other, and nothing of the project's folder (a `.env`, `dist/`)
 * reaches a run unless it is passed in.
 */

/** The simulator's own credentials: nothing real. */
export const simulatorCredential = {
  customerId: "00000000-0000-4000-8000-00000000CAFE",
  apiKey: Buffer.from("telesign simulator key").toString("base64"),
};

/**
 * The Telesign budget of a local run. The emulator starts a fresh worker for every request
 * (about 100 ms idle, seconds on a busy machine) before the function's own clock starts: a
 * budget of 2.5 s would leave the answer to a hanging Telesign too little of Okta's 3 s.
 */
export const localTelesignTimeoutMs = 2_000;

export interface LocalHook {
  url: string;
  headerName: string;
  secret: string;
}

export interface LocalStack extends LocalHook {
  telesign: SimulatorServer;
  /** The site: the console's pages at /console/. */
  siteUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  port: number;
  /** Port of the simulator; 0 (default) for any free one. */
  simulatorPort?: number;
  /** More variables for the functions (e.g. TELESIGN_TIMEOUT_MS). */
  env?: Record<string, string>;
  simulator?: Partial<TelesignSimulatorOptions>;
  onOutput?: (line: string) => void;
  onExit?: (code: number | null) => void;
}

/** The hook with the Telesign simulator: configured by this function alone, whatever the machine's environment says. */
export async function startLocalStack({
  port,
  simulatorPort = 0,
  env = {},
  simulator = {},
  onOutput,
  onExit,
}: LocalStackOptions): Promise<LocalStack> {
  const telesign = await serveTelesignSimulator({ ...simulatorCredential, ...simulator, port: simulatorPort });
  const hook: LocalHook = {
    url: `http://127.0.0.1:${port}/.netlify/functions/telesign`,
    headerName: "authorization",
    secret: `local-${randomBytes(18).toString("base64url")}`,
  };
  try {
    const functions = await serveFunctions({
      port,
      env: {
        TELESIGN_API_URL: telesign.url,
        TELESIGN_CUSTOMER_ID: simulatorCredential.customerId,
        TELESIGN_API_KEY: simulatorCredential.apiKey,
        TELESIGN_TIMEOUT_MS: String(localTelesignTimeoutMs),
        OKTA_AUTH_MODE: "header",
        OKTA_AUTH_HEADER: hook.headerName,
        OKTA_AUTH_SECRETS: hook.secret,
        ...env,
      },
      onOutput,
      onExit,
    });
    return {
      ...hook,
      telesign,
      siteUrl: functions.siteUrl,
      databaseUrl: functions.databaseUrl,
      stop: async () => {
        await functions.stop();
        await telesign.close();
      },
    };
  } catch (error) {
    await telesign.close();
    throw error;
  }
}
