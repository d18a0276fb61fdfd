import { type StandInUser, serveOktaSignIn } from "../../simulator/okta-sign-in.ts";
import { parseConsoleConfig } from "../../src/console/console-config.ts";
import { databaseRecords } from "../../src/console/database-records.ts";
import { createConsole } from "../../src/handlers/console.ts";
import type { Database } from "../../src/storage/database.ts";
import { buildPages } from "../../tools/build.mjs";
import { projectRoot } from "../../tools/project-root.mjs";
import { serveSite } from "../../tools/site-server.ts";
import { consoleEnv } from "./console.ts";

export const testPhoneHashKey = "the-phone-hash-key-of-the-browser-tests-0123";

/**
 * The console as a browser meets it: the site's pages with their headers, the console's handler
 * in this process on the test's database, and a stand-in for Okta on loopback. `clock` is the
 * console's time (tests move it to expire a session).
 */
export async function startConsoleSite(options: {
  database: () => Database;
  user: StandInUser;
  now: Date;
  env?: Record<string, string>;
}) {
  await buildPages();
  const env = consoleEnv("http://127.0.0.1");
  const okta = await serveOktaSignIn({
    clientId: env.CONSOLE_OKTA_CLIENT_ID as string,
    clientSecret: env.CONSOLE_OKTA_CLIENT_SECRET as string,
    user: options.user,
  });
  const clock = { now: options.now };
  const handle = createConsole({
    config: parseConsoleConfig(options.env ?? { ...consoleEnv(okta.issuer), PHONE_HASH_KEY: testPhoneHashKey }),
    records: () => databaseRecords(options.database, testPhoneHashKey),
    now: () => clock.now,
    log: () => {},
  });
  const site = await serveSite({ projectDir: projectRoot, functions: handle });
  return {
    url: site.url,
    okta,
    clock,
    close: async () => {
      await site.close();
      await okta.close();
    },
  };
}
