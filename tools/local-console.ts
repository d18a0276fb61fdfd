import { randomBytes } from "node:crypto";
import { backgroundTraffic, demoUserCodes, insertTraffic } from "../simulator/console-traffic.ts";
import { type OktaSignInServer, serveOktaSignIn } from "../simulator/okta-sign-in.ts";
import { connectDatabase } from "../src/storage/database.ts";

/**
 * The helpdesk console of a local run: a stand-in for Okta's sign-in that signs in one fixed demo
 * agent (the pages say so), fresh keys for the session and the phone hash, and demo traffic in the
 * run's database: a week of codes, and one user with a code of each verdict.
 */

export const demoAgent = {
  sub: "00udemo0agent0000001",
  name: "Demo Agent",
  login: "demo.agent@example.com",
  groups: ["Everyone", "Helpdesk"],
};

export interface LocalConsole {
  okta: OktaSignInServer;
  /** The functions' variables that turn the console on against the stand-in (and the phone hash key). */
  env: Record<string, string>;
  /** Writes the demo traffic into the run's database. */
  seed(databaseUrl: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalConsole(): Promise<LocalConsole> {
  const clientSecret = randomBytes(24).toString("base64url");
  const okta = await serveOktaSignIn({ clientId: "0oa-local-console", clientSecret, user: demoAgent });
  const phoneHashKey = randomBytes(32).toString("base64url");
  return {
    okta,
    env: {
      CONSOLE_OKTA_ISSUER: okta.issuer,
      CONSOLE_OKTA_CLIENT_ID: "0oa-local-console",
      CONSOLE_OKTA_CLIENT_SECRET: clientSecret,
      CONSOLE_GROUPS: "Helpdesk",
      CONSOLE_SESSION_KEY: randomBytes(32).toString("base64url"),
      PHONE_HASH_KEY: phoneHashKey,
    },
    async seed(databaseUrl) {
      const database = connectDatabase({ url: databaseUrl, driver: "server" });
      const now = new Date();
      const query = (text: string, params: unknown[]) => database.query(text, params, { timeoutMs: 30_000 });
      await insertTraffic(query, backgroundTraffic(now, 12, phoneHashKey));
      await insertTraffic(query, demoUserCodes(now, phoneHashKey));
    },
    stop: () => okta.close(),
  };
}
