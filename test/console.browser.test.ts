import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { demoUser, demoUserCodes, insertTraffic } from "../simulator/console-traffic.ts";
import { launchChromium } from "../tools/chromium.ts";
import { helpdeskAgent } from "./support/console.ts";
import { startConsoleSite, testPhoneHashKey } from "./support/console-site.ts";
import { useDatabase } from "./support/database.ts";

/**
 * The helpdesk console in a real browser: Debian's Chromium, the site's pages and headers, the
 * console's handler on a seeded database, and a stand-in for Okta's sign-in on loopback.
 */

const { database, sql } = useDatabase();
const now = new Date();
const timeZone = "America/St_Johns"; // UTC-03:30: a wrong zone cannot pass by chance
let browser: Browser;
let site: Awaited<ReturnType<typeof startConsoleSite>>;

beforeAll(async () => {
  browser = await launchChromium();
  site = await startConsoleSite({ database, user: helpdeskAgent, now });
});
afterAll(async () => {
  await site?.close();
  await browser?.close();
});
beforeEach(async () => {
  site.okta.user = helpdeskAgent;
  site.clock.now = now;
  // One user with a code of each verdict.
  await insertTraffic((text, params) => sql(text, params), demoUserCodes(now, testPhoneHashKey));
});

interface Visit {
  context: BrowserContext;
  page: Page;
  /** Requests the page made to any other origin than the site's and Okta's. */
  elsewhere: string[];
  /** Content-Security-Policy violations and script errors. */
  problems: string[];
}

async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<Visit> {
  const context = await browser.newContext({ timezoneId: timeZone, locale: "en-GB", viewport });
  const page = await context.newPage();
  const visit: Visit = { context, page, elsewhere: [], problems: [] };
  page.on("request", (request) => {
    const origin = new URL(request.url()).origin;
    if (origin !== site.url && origin !== site.okta.issuer) visit.elsewhere.push(request.url());
  });
  // A signed-out page's first question answers 401: Chromium logs it; anything else is a problem.
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().includes("status of 401")) visit.problems.push(message.text());
  });
  page.on("pageerror", (error) => visit.problems.push(error.message));
  await page.goto(`${site.url}${path}`);
  return visit;
}

async function signIn(path = "/console/"): Promise<Visit> {
  const visit = await open(path);
  await visit.page.getByRole("link", { name: "Sign in with Okta" }).click();
  await visit.page.locator("#agent").getByText(helpdeskAgent.name).waitFor();
  return visit;
}

async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}

const verdicts = [
  "Delivered to the handset 4 s after Okta asked",
  "Telesign accepted it; no delivery report yet (14 min)",
  "Failed at the carrier: 3031 Delivery failed",
  "Blocked by the toll-fraud guard (rate limit for this number)",
  "The hook could not reach Telesign in time: Okta may then have sent it through its own provider (check System Log system.voice.send_*)",
];

describe("signing in", () => {
  it("an agent signs in through Okta and lands on the lookup page, with no Okta token in the browser", async () => {
    const { page, context, elsewhere, problems } = await signIn();
    await expect(page.getByRole("heading", { name: "Did this user get their code?" }).isVisible()).resolves.toBe(true);
    const cookies = await context.cookies();
    expect(cookies.map((cookie) => [cookie.name, cookie.httpOnly, cookie.secure, cookie.sameSite])).toEqual([
      ["__Host-console-session", true, true, "Strict"],
    ]);
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    );
    expect(storage).toBe("{}{}");
    expect(await page.evaluate(() => document.cookie)).toBe(""); // HttpOnly: no script reads it
    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a signed-in Okta user outside CONSOLE_GROUPS gets no access", async () => {
    site.okta.user = { ...helpdeskAgent, groups: ["Everyone", "Sales"] };
    const { page, context } = await open("/console/");
    await page.getByRole("link", { name: "Sign in with Okta" }).click();
    await page.getByText("not as a member of a group allowed to use this console").waitFor();
    expect(await page.getByRole("search").count()).toBe(0);
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });

  it("an expired session goes back to sign-in", async () => {
    const { page, context } = await signIn();
    site.clock.now = new Date(now.getTime() + 8 * 3_600_000 + 1_000);
    await page.getByLabel("Find a user's codes").fill(demoUser.login);
    await page.keyboard.press("Enter");
    await page.getByText("Your session ended. Sign in again to go on.").waitFor();
    expect(await page.getByRole("link", { name: "Sign in with Okta" }).isVisible()).toBe(true);
    await context.close();
  });

  it("signing out ends the session", async () => {
    const { page, context } = await signIn();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You are signed out of the console.").waitFor();
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});

describe("the lookup page", () => {
  it("shows each of a user's codes with its verdict, newest first, in the agent's time zone", async () => {
    const { page, context, problems } = await signIn();
    await page.getByLabel("Find a user's codes").fill(demoUser.login);
    await page.getByRole("button", { name: "Look up" }).click();
    await page.getByText("5 codes found, newest first. Times in America/St_Johns.").waitFor();
    expect(await page.locator(".verdict-text").allInnerTexts()).toEqual(verdicts);
    expect(await page.locator(".code").first().locator(".timeline li").allInnerTexts()).toEqual([
      expect.stringMatching(/Okta asked the hook for a code by SMS$/),
      expect.stringMatching(/Telesign accepted the message; the hook answered Okta \(412 ms\)$/),
      expect.stringMatching(/Telesign: 3000 Delivered$/),
    ]);
    expect(await page.locator(".code.fallback .timeline li").last().innerText()).toMatch(
      /The hook answered Okta with an error \(2540 ms\): Okta may send the code through its own provider$/,
    );
    const first = await page.locator(".code").first().locator(".timeline time").first().innerText();
    const asked = new Date(now.getTime() - 3 * 60_000);
    expect(first).toBe(
      asked.toLocaleString("en-GB", {
        timeZone,
        day: "numeric",
        month: "short",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      }),
    );
    expect(problems).toEqual([]);
    await context.close();
  });

  it("finds the codes by the full phone number, and shows only its masked form", async () => {
    const { page, context } = await signIn();
    const urls: string[] = [];
    page.on("request", (request) => urls.push(decodeURIComponent(request.url())));
    await page.getByLabel("Find a user's codes").fill("+1 (555) 555-0142");
    await page.getByLabel("Search by").selectOption("phone");
    await page.getByRole("button", { name: "Look up" }).click();
    await page.getByText("5 codes found").waitFor();
    const text = await page.locator("main").innerText();
    expect(text).toContain("+1******0142");
    expect(text.replace(/\D/g, "")).not.toContain("5555550142");
    // Nor any address: the page's own, or a request's.
    expect(page.url().replace(/\D/g, "")).not.toContain("5555550142");
    expect(urls.filter((url) => url.replace(/\D/g, "").includes("5555550142"))).toEqual([]);
    await context.close();
  });

  it("puts Telesign's code one click away, and copies a summary for the ticket", async () => {
    const { page, context } = await signIn();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: site.url });
    await page.getByLabel("Find a user's codes").fill(demoUser.login);
    await page.keyboard.press("Enter");
    const failed = page.locator(".code.failed");
    await failed.getByText("Telesign's answer and ids").click();
    expect(await failed.locator("details dl").innerText()).toContain("3031 Delivery failed");
    await failed.getByRole("button", { name: "Copy summary" }).click();
    await failed.getByText("Copied").waitFor();
    const summary = await page.evaluate(() => navigator.clipboard.readText());
    expect(summary).toContain("Verdict: Failed at the carrier: 3031 Delivery failed");
    expect(summary).toContain("+1******0142");
    expect(summary).toContain("(America/St_Johns)");
    expect(summary).toMatch(/Telesign transaction id: [0-9A-F]{32}/);
    await context.close();
  });

  it("markup injection: a hostile login or Telesign description is shown as text, never as markup", async () => {
    const hostile = '<img src=x onerror="document.title=1">';
    await sql("UPDATE okta_requests SET okta_login = $1 WHERE okta_user_id = $2", [
      `${hostile}@example.com`,
      demoUser.userId,
    ]);
    await sql("UPDATE delivery_statuses SET description = $1", [hostile]);
    const { page, context, problems } = await signIn();
    await page.getByLabel("Find a user's codes").fill(demoUser.userId);
    await page.keyboard.press("Enter");
    await page.getByText("5 codes found").waitFor();
    const failed = page.locator(".code.failed");
    await failed.getByText("Telesign's answer and ids").click();
    expect(await failed.locator(".verdict-text").innerText()).toBe(`Failed at the carrier: 3031 ${hostile}`);
    expect(await failed.locator(".facts").first().innerText()).toContain(`${hostile}@example.com`);
    expect(await failed.locator("details dl").innerText()).toContain(`3031 ${hostile}`);
    expect(await page.locator("main img").count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("works from the keyboard alone", async () => {
    const { page, context } = await signIn();
    // The page puts the agent in the search field.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("q");
    await page.keyboard.type(demoUser.userId);
    await page.keyboard.press("Enter");
    await page.getByText("5 codes found").waitFor();
    // On to the first code's details, opened with the keyboard.
    for (
      let step = 0;
      step < 10 && (await page.evaluate(() => document.activeElement?.tagName)) !== "SUMMARY";
      step++
    ) {
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Enter");
    expect(await page.locator(".code").first().locator("details").getAttribute("open")).toBe("");
    await context.close();
  });

  it("fits a phone's width", async () => {
    const { page, context } = await open("/console/", { width: 360, height: 740 });
    await page.getByRole("link", { name: "Sign in with Okta" }).click();
    await page.getByLabel("Find a user's codes").fill(demoUser.login);
    await page.keyboard.press("Enter");
    await page.getByText("5 codes found").waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    await context.close();
  });

  it("has nothing serious for axe: signed out, and with results", async () => {
    const signedOut = await open("/console/");
    await signedOut.page.getByRole("link", { name: "Sign in with Okta" }).waitFor();
    expect(await seriousViolations(signedOut.page)).toEqual([]);
    await signedOut.context.close();
    const { page, context } = await signIn();
    await page.getByLabel("Find a user's codes").fill(demoUser.login);
    await page.keyboard.press("Enter");
    await page.getByText("5 codes found").waitFor();
    await page.locator("details").first().locator("summary").click();
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });
});

describe("the health page", () => {
  it("shows the period's figures, each saying what it counts", async () => {
    const { page, context, problems, elsewhere } = await signIn("/console/health/");
    await page
      .getByText("5 codes asked for by Okta; 3 accepted by Telesign, 1 blocked by the toll-fraud guard.")
      .waitFor();
    const figure = (title: string) =>
      page.locator("section.figure", { has: page.getByRole("heading", { name: title }) });
    expect(await figure("Delivery rate by channel").innerText()).toContain("33.3% of 3 (1 failed)");
    expect(await figure("Delivery rate by country").innerText()).toContain("US");
    expect(await figure("Time to delivered").locator("dd").allInnerTexts()).toEqual(["4.0 s", "4.0 s", "1"]);
    // The one p50 of 412 ms lies in the 10 ms bucket from 410 to 420 ms: its middle is shown.
    expect(await figure("The hook's own time against Okta's 3 s").locator("dd").allInnerTexts()).toEqual([
      "415 ms",
      expect.stringMatching(/ms|s$/),
      "0",
    ]);
    expect(await figure("Refusals by the toll-fraud guard").innerText()).toContain("Rate limit");
    expect(await figure("Telesign errors by code").locator("tbody tr").allInnerTexts()).toEqual([
      "3031\tDelivery failed\t1",
    ]);
    const hourly = figure("Codes by outcome, per hour");
    expect(await hourly.locator("svg rect").count()).toBeGreaterThan(0);
    await hourly.getByText("Show as a table").click();
    expect(await hourly.locator("tbody tr").count()).toBe(24);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Last 7 days" }).click();
    await page.waitForFunction(() => new URLSearchParams(location.search).get("period") === "7d");
    await page.getByText("5 codes asked for by Okta").waitFor();
    expect(problems).toEqual([]);
    expect(elsewhere).toEqual([]);
    await context.close();
  });
});

describe("the health page at a phone's width", () => {
  it("fits, charts included", async () => {
    const { page, context } = await open("/console/health/", { width: 360, height: 740 });
    await page.getByRole("link", { name: "Sign in with Okta" }).click();
    await page.getByText("5 codes asked for by Okta").waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    await context.close();
  });
});

describe("a site with part of the console's configuration", () => {
  it("says the console is misconfigured and to run npm run check, not that it is off", async () => {
    const half = await startConsoleSite({
      database,
      user: helpdeskAgent,
      now,
      env: { CONSOLE_OKTA_ISSUER: "https://example.okta.com" },
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${half.url}/console/`);
    await page.getByRole("heading", { name: "The helpdesk console is misconfigured" }).waitFor();
    expect(await page.locator("main").innerText()).toContain("npm run check");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
    await half.close();
  });
});

describe("a site without the console's configuration", () => {
  it("says the console is off and how to turn it on", async () => {
    const off = await startConsoleSite({ database, user: helpdeskAgent, now, env: {} });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${off.url}/console/`);
    await page.getByRole("heading", { name: "The helpdesk console is off" }).waitFor();
    expect(await page.locator("main").innerText()).toContain("CONSOLE_GROUPS");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
    await off.close();
  });
});
