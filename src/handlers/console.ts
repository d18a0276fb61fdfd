import type { Parsed } from "../config.ts";
import type { ConsoleConfig, ConsoleSettings, ConsoleVariableName } from "../console/console-config.ts";
import {
  type CodeRecord,
  type ConsoleRecords,
  type HealthFigures,
  LookupUnavailable,
  periodStart,
} from "../console/console-records.ts";
import { parseLookup } from "../console/lookup-query.ts";
import { createOktaSignIn, type OktaSignIn } from "../console/okta-sign-in.ts";
import {
  type Agent,
  agentOf,
  clearCookie,
  cookieValue,
  createSealer,
  pendingSignInOf,
  type Sealer,
  sessionCookie,
  setCookie,
  signInCookie,
  signInSeconds,
} from "../console/session.ts";
import { sharedReads } from "../console/shared-reads.ts";
import { verdictOf } from "../console/verdict.ts";
import { jsonResponse, jsonValueOf } from "../http/json.ts";
import { answerLogged } from "../http/logged-answer.ts";
import { readBodyWithin } from "../http/request-body.ts";
import { jsonLogger, type LogFields, type Logger } from "../log.ts";
import { withinMs } from "../support/deadline.ts";
import { errorLineOf } from "../support/error-text.ts";

/**
 * The helpdesk console's server side, at /console/auth/* and /console/api/*: the agent's sign-in
 * through the org's Okta (the browser never holds an Okta token, only a sealed session cookie)
 * and the JSON the pages read. Off without its configuration: every path answers 404; with part
 * of it (or a wrong value), 503 "misconfigured" and the log at start-up names what to fix.
 */

export interface ConsoleDependencies {
  config: Parsed<ConsoleConfig, ConsoleVariableName>;
  records: () => ConsoleRecords;
  /** Okta's side of the sign-in (default: openid-client against CONSOLE_OKTA_ISSUER). */
  signIn?: OktaSignIn;
  now?: () => Date;
  log?: Logger;
}

/** The pages, where every redirect of the sign-in lands. */
const consolePage = "/console/";
const callbackPath = "/console/auth/callback";
/** A lookup's body: the text typed and what it is (a few hundred bytes), read for at most a second. */
const maxLookupBytes = 2_048;
const bodyTimeoutMs = 1_000;
/** A lookup or the figures of a period get this long from the database. */
const recordsTimeoutMs = 8_000;
/** The health page's periods, in hours; nothing else (not an inherited `toString`) is one. */
const periodHours = { "24h": 24, "7d": 168 } as const;

/** A period's figures are read at most once a minute per instance, whoever asks. */
const healthKeptMs = 60_000;

/** Headers of every answer: JSON and redirects are never a page, framed, sniffed or cached. */
const apiHeaders = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const notFound = () => jsonResponse(404, { error: "not found" });
/** Some of the console's variables are set, not all or not right: the page says to run the check. */
const misconfigured = () => jsonResponse(503, { error: "misconfigured: run npm run check" });
const crossSite = () => jsonResponse(403, { error: "cross-site request" });
const signedOut = () => jsonResponse(401, { error: "signed out" });
const unavailable = () => jsonResponse(503, { error: "The records cannot be read right now: try again in a minute." });
/** A request from this site's own pages: its Origin (or, where a page sends none, Fetch Metadata) says so. */
const sameOrigin = (request: Request, url: URL) =>
  request.headers.get("origin") === url.origin || request.headers.get("sec-fetch-site") === "same-origin";

const redirect = (location: string, cookies: string[] = [], status = 302) => {
  const headers = new Headers({ location }); // no-store, as every answer: apiHeaders
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  return new Response(null, { status, headers });
};

export function createConsole({
  config,
  records,
  signIn,
  now = () => new Date(),
  log = jsonLogger,
}: ConsoleDependencies) {
  const settings = config.ok && config.config.enabled ? config.config : undefined;
  const sealer =
    settings &&
    createSealer(settings.sessionKey, { session: settings.sessionHours * 3600, "sign-in": signInSeconds }, now);
  const okta = settings && (signIn ?? createOktaSignIn(settings));
  const healthFigures = sharedReads<HealthFigures>(now, healthKeptMs);

  return async (request: Request): Promise<Response> => {
    const response = await answerLogged(log, "console", async (fields) => {
      const url = new URL(request.url);
      fields.path = url.pathname;
      if (!config.ok) return misconfigured();
      if (settings === undefined || sealer === undefined || okta === undefined) return notFound();
      return route(request, url, fields, settings, sealer, okta);
    });
    for (const [name, value] of Object.entries(apiHeaders)) response.headers.set(name, value);
    return response;
  };

  async function route(
    request: Request,
    url: URL,
    fields: LogFields,
    settings: ConsoleSettings,
    sealer: Sealer,
    okta: OktaSignIn,
  ): Promise<Response> {
    const endpoint = `${request.method} ${url.pathname.replace(/\/+$/, "")}`;
    switch (endpoint) {
      case "GET /console/auth/sign-in":
        return startSignIn(url, fields, okta, sealer);
      case `GET ${callbackPath}`:
        return completeSignIn(request, url, fields, settings, sealer, okta);
      case "POST /console/auth/sign-out":
        // A form of this site only: a cross-site post cannot sign an agent out.
        if (!sameOrigin(request, url)) return crossSite();
        return redirect(`${consolePage}?signin=signed-out`, [clearCookie(sessionCookie, "Strict")], 303);
    }
    if (!url.pathname.startsWith("/console/api/")) return notFound();
    // A lookup is POSTed: what the agent typed (a phone number) stays out of every URL and log of one.
    const method = url.pathname === "/console/api/lookup" ? "POST" : "GET";
    if (request.method !== method) return jsonResponse(405, { error: "method not allowed" }, { allow: method });
    if (method === "POST" && !sameOrigin(request, url)) return crossSite();
    const claims = await sealer.open("session", cookieValue(request.headers.get("cookie"), sessionCookie));
    const agent = agentOf(claims, settings.groups);
    if (agent === undefined) return signedOut();
    fields.agent = agent.id;
    switch (url.pathname) {
      case "/console/api/session":
        return jsonResponse(200, {
          agent: { name: agent.name, login: agent.login },
          local: settings.local,
          // Whichever comes first: the session's own expiry, or its age reaching CONSOLE_SESSION_HOURS now.
          expiresAt: new Date(
            Math.min(Number(claims?.exp), Number(claims?.iat) + settings.sessionHours * 3600) * 1000,
          ).toISOString(),
        });
      case "/console/api/lookup":
        return lookup(request, fields);
      case "/console/api/health":
        return health(url, fields);
    }
    return notFound();
  }

  async function startSignIn(url: URL, fields: LogFields, okta: OktaSignIn, sealer: Sealer): Promise<Response> {
    let started: Awaited<ReturnType<OktaSignIn["start"]>>;
    try {
      started = await okta.start(`${url.origin}${callbackPath}`);
    } catch (error) {
      // Okta's discovery document could not be read: the page says so, and the next try asks again.
      fields.outcome = "okta-unavailable";
      fields.error = errorLineOf(error).slice(0, 200);
      return redirect(`${consolePage}?signin=okta-unavailable`);
    }
    const { url: oktaUrl, pending } = started;
    const back = returnPathOf(url.searchParams.get("return"));
    const sealed = await sealer.seal("sign-in", { ...pending, back }, secondsFromNow(signInSeconds));
    return redirect(oktaUrl, [setCookie(signInCookie, sealed, signInSeconds, "Lax")]);
  }

  async function completeSignIn(
    request: Request,
    url: URL,
    fields: LogFields,
    settings: ConsoleSettings,
    sealer: Sealer,
    okta: OktaSignIn,
  ): Promise<Response> {
    const landing = (outcome: string, cookies: string[] = []) => {
      fields.outcome = outcome;
      return redirect(`${consolePage}?signin=${outcome}`, [clearCookie(signInCookie, "Lax"), ...cookies]);
    };
    const started = await sealer.open("sign-in", cookieValue(request.headers.get("cookie"), signInCookie));
    const pending = pendingSignInOf(started);
    // No sign-in of this browser, or another one started since (a second tab): start over. The
    // state is compared before anything else of Okta's answer is read (login CSRF).
    if (pending === undefined) return landing("expired");
    if (url.searchParams.get("state") !== pending.state) {
      // The cookie stays: it is the newer sign-in's, on its way back from Okta in the other tab.
      fields.outcome = "expired";
      return redirect(`${consolePage}?signin=expired`);
    }
    // Okta says no before any code: e.g. access_denied when the app is not assigned to the user.
    const oktaError = url.searchParams.get("error");
    if (oktaError !== null) {
      fields.oktaError = oktaError.slice(0, 64);
      return landing(oktaError === "access_denied" ? "no-access" : "failed");
    }
    let user: Awaited<ReturnType<OktaSignIn["complete"]>>;
    try {
      user = await okta.complete(url, pending, `${url.origin}${callbackPath}`);
    } catch (error) {
      fields.error = errorLineOf(error).slice(0, 200);
      return landing("failed");
    }
    fields.agent = user.id;
    if (user.groups === undefined) return landing("no-groups-claim");
    const groups = user.groups.filter((group) => settings.groups.includes(group));
    if (groups.length === 0) return landing("no-access");
    const agent: Agent = { id: user.id, name: user.name, login: user.login, groups };
    const lifetime = settings.sessionHours * 3600;
    // The groups that let the agent in are sealed with them, and checked against CONSOLE_GROUPS on every call.
    const claims = { sub: agent.id, name: agent.name, login: agent.login, groups: agent.groups };
    const session = await sealer.seal("session", claims, secondsFromNow(lifetime));
    fields.outcome = "signed-in";
    return redirect(returnPathOf(started?.back), [
      clearCookie(signInCookie, "Lax"),
      setCookie(sessionCookie, session, lifetime, "Strict"),
    ]);
  }

  /** Where the agent was when asked to sign in: a console page, never anywhere else (no open redirect). */
  function returnPathOf(value: unknown): string {
    return typeof value === "string" && /^\/console\/[\w\-/]*(\?[\w=&%.\-+@]*)?$/.test(value) && !value.includes("//")
      ? value
      : consolePage;
  }

  function secondsFromNow(seconds: number): Date {
    return new Date(now().getTime() + seconds * 1000);
  }

  async function lookup(request: Request, fields: LogFields): Promise<Response> {
    const read = await readBodyWithin(request, maxLookupBytes, bodyTimeoutMs);
    const asked = read.ok ? jsonValueOf(read.body.toString("utf8")) : undefined;
    if (typeof asked !== "object" || asked === null) return jsonResponse(400, { error: "Send { q, by } as JSON." });
    const { q, by } = asked as Record<string, unknown>;
    const parsed = parseLookup(typeof q === "string" ? q : null, typeof by === "string" ? by : null);
    if (!parsed.ok) return jsonResponse(400, { error: parsed.problem });
    fields.lookup = parsed.query.kind;
    let found: CodeRecord[] | undefined;
    try {
      found = await fromRecords(fields, () => records().lookup(parsed.query));
    } catch (error) {
      return jsonResponse(400, { error: (error as LookupUnavailable).message });
    }
    if (found === undefined) return unavailable();
    const at = now();
    fields.found = found.length;
    return jsonResponse(200, {
      by: parsed.query.kind,
      now: at.toISOString(),
      codes: found.map((record) => ({ ...record, verdict: verdictOf(record, at) })),
    });
  }

  async function health(url: URL, fields: LogFields): Promise<Response> {
    const period = url.searchParams.get("period") ?? "24h";
    const hours = Object.hasOwn(periodHours, period) ? periodHours[period as keyof typeof periodHours] : undefined;
    if (hours === undefined) return jsonResponse(400, { error: "period is 24h or 7d" });
    fields.period = period;
    const to = now();
    const from = periodStart(to, hours);
    // Keyed by the period and its first hour: within the hour, a minute-old answer is shown.
    const figures = await fromRecords(fields, () =>
      healthFigures(`${period} ${from.toISOString()}`, () => records().health(from, to)),
    );
    return figures === undefined ? unavailable() : jsonResponse(200, figures);
  }

  /**
   * The records' answer, or undefined (and the reason logged) when they cannot be read in time.
   * A lookup the site cannot make is thrown on, for its message.
   */
  async function fromRecords<T>(fields: LogFields, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await withinMs(recordsTimeoutMs, read);
    } catch (error) {
      if (error instanceof LookupUnavailable) throw error;
      fields.recordsError = errorLineOf(error).slice(0, 200);
      return undefined;
    }
  }
}
