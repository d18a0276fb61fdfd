/**
 * `npm run screenshots`: the helpdesk console's two pages as `npm start` shows them (demo traffic,
 * the demo agent), photographed in Chromium into docs/ for the README.
 */
import path from "node:path";
import { demoUser } from "../simulator/console-traffic.ts";
import { messageOf } from "../src/support/error-text.ts";
import { launchChromium } from "../tools/chromium.ts";
import { fail, parseCommandLine } from "../tools/command-line.ts";
import { startLocalConsole } from "../tools/local-console.ts";
import { startLocalStack } from "../tools/local-stack.ts";
import { freePort } from "../tools/ports.ts";
import { projectRoot } from "../tools/project-root.mjs";

const usage = `Usage: npm run screenshots

Starts the local stack with its demo traffic, signs in to the helpdesk console as the demo agent
in Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and writes docs/console-lookup.png and
docs/console-health.png.`;

parseCommandLine(usage, {}, () => ({}));

const helpdesk = await startLocalConsole();
const stack = await startLocalStack({ port: await freePort(), env: helpdesk.env });
try {
  await helpdesk.seed(stack.databaseUrl);
  const browser = await launchChromium();
  const page = await browser.newPage({
    viewport: { width: 1024, height: 900 },
    locale: "en-GB",
    timezoneId: "Europe/London",
  });
  await page.goto(`${stack.siteUrl}/console/`);
  await page.getByRole("link", { name: "Sign in with Okta" }).click();
  await page.getByLabel("Find a user's codes").fill(demoUser.login);
  await page.keyboard.press("Enter");
  await page.getByText("5 codes found").waitFor();
  const shot = (name: string) => path.join(projectRoot, "docs", name);
  await page.screenshot({ path: shot("console-lookup.png"), clip: { x: 0, y: 0, width: 1024, height: 1180 } });
  await page.goto(`${stack.siteUrl}/console/health/?period=7d`);
  await page.getByText("codes asked for by Okta").waitFor();
  await page.screenshot({ path: shot("console-health.png"), clip: { x: 0, y: 0, width: 1024, height: 1180 } });
  await browser.close();
  console.log("wrote docs/console-lookup.png and docs/console-health.png");
} catch (error) {
  fail(`could not take the screenshots: ${messageOf(error)}`);
} finally {
  await stack.stop();
  await helpdesk.stop();
}
