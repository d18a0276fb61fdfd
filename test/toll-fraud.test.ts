import { http } from "msw";
import { describe, expect, it, vi } from "vitest";
import { parseConfig } from "../src/config.ts";
import { createFraudGuard } from "../src/fraud/guard.ts";
import { parseGuardConfig } from "../src/fraud/guard-config.ts";
import { memoryRateCounters, type RateCounters } from "../src/fraud/rate-counters.ts";
import { memoryRiskCache } from "../src/fraud/risk-check.ts";
import { parseTelephonyRequest } from "../src/okta/telephony-request.ts";
import { testPhoneHashKey } from "./support/console-site.ts";
import { apiKey, baseEnv, customerId, startHook, telesignUrl, useTelesignSimulator } from "./support/hook.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { oktaRequest } from "./support/okta-requests.ts";

/**
 * The toll-fraud guard, end to end through the hook: each test is named after the fraud it stops.
 * Numbers come from the numbering plan (libphonenumber-js's full metadata); none is a real subscriber's.
 */

const numbers = {
  us: "+12015550123",
  jamaica: "+18762101234",
  americanSamoa: "+16846221234",
  isleOfMan: "+447624123456",
  ukMobile: "+447400123456",
  ukPremium: "+449012345678",
  usTollFree: "+18002345678",
  cuba: "+5351234567",
  unassigned: "+15555550123",
};

const preEnrollment = "com.okta.user.telephony.pre-enrollment";
const verification = "com.okta.user.telephony.mfa-verification";

let events = 0;
/** An Okta SMS request to `phoneNumber` with a fresh eventId. */
function smsTo(phoneNumber: string, top: Record<string, unknown> = {}, profile: Record<string, unknown> = {}) {
  return oktaRequest(
    { phoneNumber, otpCode: "482915", msgTemplate: "Your verification code is 482915", ...profile },
    { eventId: `fraud-test-${events++}`, ...top },
  );
}

function expectBlocked(json: Record<string, any>, kind: RegExp) {
  expect(json.error.errorSummary).toBe("Message blocked");
  expect(json.error.errorCauses).toHaveLength(1);
  expect(json.error.errorCauses[0].reason).toMatch(kind);
}

describe("where a code may go", () => {
  it("a Jamaican number (+1 876) with FRAUD_COUNTRIES=US is refused without a Telesign call", async () => {
    const { simulator, call } = startHook({ FRAUD_COUNTRIES: "US" });
    const from = capturedLines.length;
    const { status, json } = await call(smsTo(numbers.jamaica));
    expect(status).toBe(200);
    expectBlocked(json, /destination country/);
    expect(simulator.received).toEqual([]);
    expect(logLinesSince(from)).toMatchObject([
      { level: "warn", outcome: "blocked", rule: "country", country: "JM", phone: "+1******1234" },
    ]);
    // The same org's own country goes out.
    expect((await call(smsTo(numbers.us))).json.commands).toBeDefined();
  });

  it("an American Samoa number (+1 684) is not the US, and the Isle of Man (+44 7624) is not GB", async () => {
    const { simulator, call } = startHook({ FRAUD_COUNTRIES: "US,GB" });
    expectBlocked((await call(smsTo(numbers.americanSamoa))).json, /destination country/);
    expectBlocked((await call(smsTo(numbers.isleOfMan))).json, /destination country/);
    expect((await call(smsTo(numbers.ukMobile))).json.commands).toBeDefined();
    expect(simulator.sentBodies()).toHaveLength(1);
  });

  it("a number of no known country is refused by an allow-list, and passes without one", async () => {
    const allowList = startHook({ FRAUD_COUNTRIES: "US" });
    expectBlocked((await allowList.call(smsTo(numbers.unassigned))).json, /destination country/);
    const open = startHook();
    expect((await open.call(smsTo(numbers.unassigned))).json.commands).toBeDefined();
  });

  it("a deny-list (!CU) refuses Cuba, by SMS and by voice, and lets the rest through", async () => {
    const { simulator, call } = startHook({ FRAUD_COUNTRIES: "!CU,!LV,!SO" });
    expectBlocked((await call(smsTo(numbers.cuba))).json, /destination country/);
    expectBlocked(
      (await call(smsTo(numbers.cuba, {}, { deliveryChannel: "Voice Call", msgTemplate: undefined }))).json,
      /destination country/,
    );
    expect((await call(smsTo(numbers.jamaica))).json.commands).toBeDefined();
    expect(simulator.sentBodies()).toHaveLength(1);
  });

  it("a UK premium-rate number (+44 901) is refused by default, a toll-free one too, without a Telesign call", async () => {
    const { simulator, call } = startHook();
    const from = capturedLines.length;
    expectBlocked((await call(smsTo(numbers.ukPremium))).json, /type of number/);
    expectBlocked((await call(smsTo(numbers.usTollFree))).json, /type of number/);
    expect(simulator.received).toEqual([]);
    expect(logLinesSince(from)).toMatchObject([
      { outcome: "blocked", rule: "number_type", country: "GB", numberType: "premium-rate" },
      { outcome: "blocked", rule: "number_type", country: "US", numberType: "toll-free" },
    ]);
  });

  it("FRAUD_NUMBER_TYPES=none lets every type through; a list refuses what it names", async () => {
    const none = startHook({ FRAUD_NUMBER_TYPES: "none" });
    expect((await none.call(smsTo(numbers.ukPremium))).json.commands).toBeDefined();
    const mobiles = startHook({ FRAUD_NUMBER_TYPES: "mobile,voip" });
    expectBlocked((await mobiles.call(smsTo(numbers.ukMobile))).json, /type of number/);
  });
});

describe("an instance's memory of the shared counters", () => {
  it("a database that stops answering: the instance goes on from the count it last saw, not from zero", async () => {
    const shared = memoryRateCounters();
    let answering = true;
    const counters: RateCounters = {
      take: (keys, deadline) => (answering ? shared.take(keys, deadline) : new Promise(() => {})),
      giveBack: (keys) => shared.giveBack(keys),
    };
    const { simulator, call } = startHook({ FRAUD_LIMITS: "number:3/1h" }, {}, { counters });
    for (let i = 0; i < 2; i++) expect((await call(smsTo(numbers.ukMobile))).json.commands).toBeDefined();
    answering = false;
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await call(smsTo(numbers.ukMobile))).json);
    expect(answers.map((json) => json.commands !== undefined)).toEqual([true, false, false]);
    expectBlocked(answers[1] as Record<string, any>, /rate limit/);
    expect(simulator.sentBodies()).toHaveLength(3);
  });

  it("a code given back is forgotten too: the instance never refuses as over the limit a place it gave back", async () => {
    // The risk score refuses the number's code after the counter took it: the place is given back.
    const { simulator, call, afterResponse } = startHook({
      FRAUD_LIMITS: "number:1/1h",
      TELESIGN_RISK_CHECK: "always",
    });
    expectBlocked((await call(smsTo("+447400120666"))).json, /risk score/);
    await Promise.all(afterResponse);
    expectBlocked((await call(smsTo("+447400120666"))).json, /risk score/);
    expect(simulator.sentBodies()).toHaveLength(0);
  });

  it("an attacker cycling numbers cannot grow it: at most its bound of counters, each forgotten when its window ends", async () => {
    let time = Date.UTC(2026, 0, 1, 10);
    const memory = memoryRateCounters({ max: 100, now: () => time });
    const counterOf = (subject: string, windowEnd = Date.UTC(2026, 0, 1, 11)) => ({
      key: `number/1h:${subject}`,
      scope: "number" as const,
      window: "1h",
      limit: 1,
      windowStart: Date.UTC(2026, 0, 1, 10),
      windowEnd,
    });
    const pumped = counterOf("pumped");
    await memory.take([pumped], Number.POSITIVE_INFINITY);
    for (let i = 0; i < 1_000; i++) {
      await memory.take([counterOf(`n${i}`)], Number.POSITIVE_INFINITY);
      expect(memory.full([pumped])).toEqual([pumped]); // in use, it stays remembered
    }
    expect(memory.size).toBe(100);
    time = pumped.windowEnd;
    expect(memory.full([pumped])).toEqual([]);
    expect(memory.size).toBe(99);
  });
});

describe("how many codes", () => {
  it("number:3/1h with a dozen concurrent requests to one number sends 3 and refuses the rest", async () => {
    const { simulator, call } = startHook({ FRAUD_LIMITS: "number:3/1h" });
    const from = capturedLines.length;
    const answers = await Promise.all(Array.from({ length: 12 }, () => call(smsTo(numbers.ukMobile))));
    expect(simulator.sentBodies()).toHaveLength(3);
    expect(answers.filter(({ json }) => json.commands !== undefined)).toHaveLength(3);
    for (const { json } of answers.filter(({ json }) => json.error !== undefined)) expectBlocked(json, /rate limit/);
    const blocked = logLinesSince(from).filter((line) => line.outcome === "blocked");
    expect(blocked).toHaveLength(9);
    expect(blocked[0]).toMatchObject({ rule: "rate_limit", scope: "number/1h", country: "GB" });
    // Okta's answer names the kind of rule, never the limit, the count or the number.
    expect(JSON.stringify(answers.map(({ json }) => json))).not.toMatch(/\b3\/1h|number\/|7400|123456/);
  });

  it("a range (the number without its last four digits) is counted across its numbers: pumping walks a range", async () => {
    const { simulator, call } = startHook({ FRAUD_LIMITS: "range:2/1d" });
    const walk = ["+447400120001", "+447400120002", "+447400120003", "+447400130004"];
    const answers = [];
    for (const phoneNumber of walk) answers.push((await call(smsTo(phoneNumber))).json);
    expect(answers.map((json) => json.commands !== undefined)).toEqual([true, true, false, true]);
    expect(simulator.sentBodies()).toHaveLength(3);
  });

  it("user and all scopes: one Okta user, then the org's whole traffic", async () => {
    const { call } = startHook({ FRAUD_LIMITS: "user:1/1h,all:3/1d" });
    const forUser = (phoneNumber: string, userId: string) => {
      const body = smsTo(phoneNumber);
      body.data.userProfile.userId = userId;
      return call(body);
    };
    expect((await forUser("+447400100001", "00u1")).json.commands).toBeDefined();
    expectBlocked((await forUser("+447400200002", "00u1")).json, /rate limit/);
    expect((await forUser("+447400300003", "00u2")).json.commands).toBeDefined();
    expect((await forUser("+447400400004", "00u3")).json.commands).toBeDefined();
    expectBlocked((await forUser("+447400500005", "00u4")).json, /rate limit/);
  });

  it("a code refused by one scope does not use up another's: a counter known full counts it nowhere", async () => {
    const memory = memoryRateCounters();
    const taken: string[] = [];
    const counters: RateCounters = {
      take: async (keys, deadline) => {
        const result = await memory.take(keys, deadline);
        taken.push(...result.taken.map(({ scope }) => scope));
        return result;
      },
      giveBack: (keys) => memory.giveBack(keys),
    };
    const { call } = startHook({ FRAUD_LIMITS: "number:2/1h,all:1/1h" }, {}, { counters });
    expect((await call(smsTo(numbers.ukMobile))).json.commands).toBeDefined();
    expectBlocked((await call(smsTo(numbers.ukMobile))).json, /rate limit/);
    expect(taken).toEqual(["all", "number"]);
  });

  it("FRAUD_LIMITS=none counts nothing", async () => {
    const { simulator, call } = startHook({ FRAUD_LIMITS: "none" });
    await Promise.all(Array.from({ length: 15 }, () => call(smsTo(numbers.ukMobile))));
    expect(simulator.sentBodies()).toHaveLength(15);
  });

  it("the default limits stop a script that sends a number code after code", async () => {
    const { simulator, call } = startHook();
    for (let i = 0; i < 15; i++) await call(smsTo(numbers.ukMobile));
    expect(simulator.sentBodies()).toHaveLength(10);
  });

  describe("counters that cannot answer", () => {
    const hanging: RateCounters = {
      take: () => new Promise(() => {}),
      giveBack: async () => {},
    };
    const failing: RateCounters = {
      take: async () => {
        throw new Error("connection refused");
      },
      giveBack: async () => {},
    };

    it("FRAUD_FAIL=open (default): the code goes out and the log says the guard was unavailable", async () => {
      const { simulator, call } = startHook({}, {}, { counters: hanging });
      const from = capturedLines.length;
      expect((await call(smsTo(numbers.ukMobile))).json.commands).toBeDefined();
      expect(simulator.sentBodies()).toHaveLength(1);
      expect(logLinesSince(from)).toMatchObject([
        { message: "toll-fraud counters unavailable" },
        { outcome: "accepted", fraudGuard: "unavailable" },
      ]);
    });

    it("FRAUD_FAIL=closed: the code is refused when the counters fail", async () => {
      const { simulator, call } = startHook({ FRAUD_FAIL: "closed" }, {}, { counters: failing });
      const { json } = await call(smsTo(numbers.ukMobile));
      expectBlocked(json, /could not check/);
      expect(simulator.received).toEqual([]);
    });
  });
});

describe("monitor before enforcing", () => {
  it("FRAUD_MODE=monitor sends every code and logs what would have been blocked", async () => {
    const { simulator, call } = startHook({
      FRAUD_MODE: "monitor",
      FRAUD_COUNTRIES: "US",
      FRAUD_LIMITS: "number:1/1h",
    });
    const from = capturedLines.length;
    expect((await call(smsTo(numbers.ukPremium))).json.commands).toBeDefined();
    expect((await call(smsTo(numbers.ukPremium))).json.commands).toBeDefined();
    expect(simulator.sentBodies()).toHaveLength(2);
    // Enforcing would have refused both for their destination, and counted neither.
    expect(logLinesSince(from)).toMatchObject([
      { outcome: "accepted", wouldBlock: "country,number_type" },
      { outcome: "accepted", wouldBlock: "country,number_type" },
    ]);
  });

  it("monitor reports a full counter, and Telesign's risk score, as enforcing would", async () => {
    const { simulator, call, afterResponse } = startHook({
      FRAUD_MODE: "monitor",
      FRAUD_LIMITS: "number:1/1h",
      TELESIGN_RISK_CHECK: "always",
    });
    const from = capturedLines.length;
    await call(smsTo("+447400120666")); // the simulator's "block" score: would be refused, so not counted
    await Promise.all(afterResponse);
    await call(smsTo("+447400120666"));
    await call(smsTo(numbers.ukMobile));
    await call(smsTo(numbers.ukMobile));
    expect(simulator.sentBodies()).toHaveLength(4);
    expect(logLinesSince(from).map(({ wouldBlock, scope }) => [wouldBlock, scope])).toEqual([
      ["risk_score", undefined],
      ["risk_score", undefined],
      [undefined, undefined],
      ["rate_limit", "number/1h"],
    ]);
  });

  it("monitor counts as enforce would: what is over the limit is not counted", async () => {
    const { call } = startHook({ FRAUD_MODE: "monitor", FRAUD_LIMITS: "number:2/1h" });
    const from = capturedLines.length;
    for (let i = 0; i < 4; i++) await call(smsTo(numbers.ukMobile));
    expect(logLinesSince(from).map((line) => line.wouldBlock)).toEqual([
      undefined,
      undefined,
      "rate_limit",
      "rate_limit",
    ]);
  });

  it("FRAUD_MODE=off applies no rule but the message text's", async () => {
    const { simulator, call } = startHook({ FRAUD_MODE: "off", FRAUD_COUNTRIES: "US", FRAUD_LIMITS: "number:1/1h" });
    await call(smsTo(numbers.ukPremium));
    await call(smsTo(numbers.ukPremium));
    expect(simulator.sentBodies()).toHaveLength(2);
    expectBlocked((await call(smsTo(numbers.ukMobile, {}, { otpCode: undefined }))).json, /.+/);
  });
});

describe("Telesign's risk score", () => {
  const risky = "+447400120666"; // the simulator's "block" scenario
  const flagged = "+447400120333";

  it("the Score API's block refuses a pre-enrollment, with no message sent", async () => {
    const { simulator, call } = startHook({ TELESIGN_RISK_CHECK: "enrollment" });
    const from = capturedLines.length;
    const { json } = await call(smsTo(risky, { requestType: preEnrollment }));
    expectBlocked(json, /risk score/);
    expect(simulator.received.map(({ path }) => path)).toEqual(["/v1/score/447400120666"]);
    expect(logLinesSince(from)).toMatchObject([
      { outcome: "blocked", rule: "risk_score", riskRecommendation: "block", riskScore: 960 },
    ]);
  });

  it("asks Telesign with the lifecycle event of Okta's request type, the end user's public IP, and the form Telesign reads", async () => {
    const { simulator, call } = startHook({ TELESIGN_RISK_CHECK: "always" });
    const withIp = (requestType: string, ipAddress: string) => {
      const body = smsTo(numbers.ukMobile, { requestType });
      body.data.context.request.ipAddress = ipAddress;
      return body;
    };
    await call(withIp(preEnrollment, "81.2.69.160"));
    const forms = simulator.received
      .filter(({ path }) => path.startsWith("/v1/score/"))
      .map(({ body, headers }) => [headers["content-type"], Object.fromEntries(new URLSearchParams(body))]);
    expect(forms).toEqual([
      ["application/x-www-form-urlencoded", { account_lifecycle_event: "create", originating_ip: "81.2.69.160" }],
    ]);
    // The message carries the address too.
    expect(simulator.sentBodies()).toMatchObject([{ originating_ip: "81.2.69.160" }]);

    const lifecycle = [];
    for (const [requestType, number] of [
      [verification, "+447400000011"],
      ["com.okta.user.telephony.password-reset", "+447400000012"],
      ["com.okta.user.telephony.account-unlock", "+447400000013"],
    ] as const) {
      const start = simulator.received.length;
      const body = smsTo(number, { requestType });
      body.data.context.request.ipAddress = "127.0.0.1";
      await call(body);
      const score = simulator.received.slice(start).find(({ path }) => path.startsWith("/v1/score/"));
      lifecycle.push(Object.fromEntries(new URLSearchParams(score?.body)));
    }
    // Okta's Preview sends 127.0.0.1: never sent as the end user's address.
    expect(lifecycle).toEqual([
      { account_lifecycle_event: "sign-in" },
      { account_lifecycle_event: "update" },
      { account_lifecycle_event: "update" },
    ]);
  });

  it("enrollment checks only pre-enrollments; flag refuses only with TELESIGN_RISK_BLOCK=flag", async () => {
    const enrollment = startHook({ TELESIGN_RISK_CHECK: "enrollment" });
    expect((await enrollment.call(smsTo(risky, { requestType: verification }))).json.commands).toBeDefined();
    expect(enrollment.simulator.received.map(({ path }) => path)).toEqual(["/v1/omnichannel"]);
    expect((await enrollment.call(smsTo(flagged, { requestType: preEnrollment }))).json.commands).toBeDefined();
    const strict = startHook({ TELESIGN_RISK_CHECK: "enrollment", TELESIGN_RISK_BLOCK: "flag" });
    expectBlocked((await strict.call(smsTo(flagged, { requestType: preEnrollment }))).json, /risk score/);
  });

  it("keeps Telesign's answer for the number: a second code asks no second time", async () => {
    const { simulator, call, afterResponse } = startHook({ TELESIGN_RISK_CHECK: "always" });
    await call(smsTo(numbers.ukMobile));
    await Promise.all(afterResponse);
    await call(smsTo(numbers.ukMobile));
    expect(simulator.received.filter(({ path }) => path.startsWith("/v1/score/"))).toHaveLength(1);
    expect(simulator.sentBodies()).toHaveLength(2);
  });

  it("digests the number once per risk-checked request: the cache's key is worked out in one place", async () => {
    const simulator = useTelesignSimulator();
    const guardConfig = parseGuardConfig({ ...baseEnv, TELESIGN_RISK_CHECK: "always" });
    const hookConfig = parseConfig(baseEnv);
    if (!guardConfig.ok || !hookConfig.ok) throw new Error("the test's configuration is invalid");
    const digested: string[] = [];
    const riskCache = memoryRiskCache();
    const guard = createFraudGuard({
      config: guardConfig.config,
      riskCache,
      telesign: hookConfig.config.telesign,
      digest: (subject) => {
        digested.push(subject);
        return `digest(${subject})`;
      },
      log: () => {},
    });
    const parsed = parseTelephonyRequest(smsTo(numbers.ukMobile, { requestType: preEnrollment }));
    if (!parsed.ok) throw new Error("the test's request is invalid");
    const deadline = performance.now() + 60_000;
    const counted = await guard.count(guard.screen(parsed.request), deadline);
    const verdict = await guard.judge(counted, { customerId, apiKey }, deadline);
    await verdict.after;

    expect(verdict.fields).toMatchObject({ riskRecommendation: "allow" });
    expect(simulator.received.filter(({ path }) => path.startsWith("/v1/score/"))).toHaveLength(1);
    // No counters here: the number's one digest is the risk check's (not one in count and one in judge).
    expect(digested).toEqual(["number:447400123456"]);
    expect(await riskCache.get("create:digest(number:447400123456)", deadline)).toMatchObject({
      recommendation: "allow",
    });
  });

  it("a Score API that hangs never starves the send: the code goes out within the budget", async () => {
    const { simulator, call } = startHook({ TELESIGN_RISK_CHECK: "always", TELESIGN_TIMEOUT_MS: "1000" });
    const from = capturedLines.length;
    const { json } = await call(smsTo("+447400120999"));
    expect(json.commands).toBeDefined();
    expect(simulator.sentBodies()).toHaveLength(1);
    expect(logLinesSince(from)).toMatchObject([{ message: "risk check failed" }, { outcome: "accepted" }]);
  });

  it("an account without Intelligence gets one warning per instance, not one per request, and every code goes out", async () => {
    const { simulator, call } = startHook({ TELESIGN_RISK_CHECK: "always" });
    const from = capturedLines.length;
    for (let i = 0; i < 3; i++) expect((await call(smsTo("+447400120403"))).json.commands).toBeDefined();
    const lines = logLinesSince(from);
    expect(lines.filter((line) => line.message === "risk check unavailable")).toHaveLength(1);
    expect(simulator.received.filter(({ path }) => path.startsWith("/v1/score/"))).toHaveLength(1);
  });

  it("a Score answer that is not one fails open with one log line", async () => {
    const { simulator, call } = startHook({ TELESIGN_RISK_CHECK: "always" });
    server.use(http.post(`${telesignUrl}/v1/score/:number`, () => new Response("<html>502</html>", { status: 502 })));
    const from = capturedLines.length;
    expect((await call(smsTo(numbers.ukMobile))).json.commands).toBeDefined();
    expect(simulator.sentBodies()).toHaveLength(1);
    expect(logLinesSince(from)).toMatchObject([
      {
        message: "risk check failed",
        error: "TelesignHttpError: POST /v1/score answered HTTP 502 without a Telesign status",
      },
      { outcome: "accepted" },
    ]);
  });
});

describe("the code message is Okta's code message", () => {
  it.each([
    ["leaving otpCode out", { otpCode: undefined, msgTemplate: "Your account is locked, call us" }, /otpCode/],
    ['an otpCode that is not a code ("e")', { otpCode: "e", msgTemplate: "Please verify at evil.example" }, /otpCode/],
    [
      "a short code inside a phishing text with a link",
      { otpCode: "4821", msgTemplate: "Your account is locked: 4821. Unlock it at https://evil.example/u" },
      /msgTemplate/,
    ],
    [
      "a bare host name as the link",
      { otpCode: "482915", msgTemplate: "Code 482915. Confirm at bit.ly/3xYz" },
      /msgTemplate/,
    ],
    [
      "a call-back number",
      { otpCode: "482915", msgTemplate: "Code 482915. Problems? Call +1 (900) 555-0100" },
      /msgTemplate/,
    ],
    ["a text-back short code", { otpCode: "482915", msgTemplate: "Code 482915. Reply YES to 88442" }, /msgTemplate/],
  ])("refuses %s, without a Telesign call", async (_, profile, location) => {
    const { simulator, call } = startHook();
    const from = capturedLines.length;
    const { json } = await call(smsTo(numbers.ukMobile, {}, profile));
    expect(json.error.errorSummary).toBe("Message blocked");
    expect(json.error.errorCauses[0].location).toMatch(location);
    expect(simulator.received).toEqual([]);
    const lines = logLinesSince(from);
    expect(lines).toMatchObject([{ outcome: "blocked", rule: "message_text" }]);
    expect(JSON.stringify(lines)).not.toMatch(/evil|bit\.ly|YES|is locked/);
  });

  it("accepts Okta's WebOTP line (@host #code) for the org's Okta domain (Okta's source), and a code that starts with zeros", async () => {
    const { simulator, call } = startHook();
    const webOtp = "Your verification code is 048291.\n@acme.okta.com #048291";
    const source = { source: "https://acme.okta.com/api/v1/inlineHooks/cal4egvp1mbMldrYN0g7" };
    expect(
      (await call(smsTo(numbers.ukMobile, source, { otpCode: "048291", msgTemplate: webOtp }))).json.commands,
    ).toBeDefined();
    expect(simulator.sentBodies()).toHaveLength(1);
  });

  it("a WebOTP line for any host but the org's is refused: a look-alike login page is a phishing link", async () => {
    const { simulator, call } = startHook();
    const source = { source: "https://acme.okta.com/api/v1/inlineHooks/cal4egvp1mbMldrYN0g7" };
    for (const line of ["@okta-secure-login.com #482915", "@acme.okta.com #482915 @evil-login.com"]) {
      const msgTemplate = `Your verification code is 482915.\n${line}`;
      expectBlocked((await call(smsTo(numbers.ukMobile, source, { msgTemplate }))).json, /.+/);
    }
    // Okta's source names the org only when it is Okta's hook URL.
    const forged = { source: "https://okta-secure-login.com/phish" };
    const msgTemplate = "Your verification code is 482915.\n@okta-secure-login.com #482915";
    expectBlocked((await call(smsTo(numbers.ukMobile, forged, { msgTemplate }))).json, /.+/);
    expect(simulator.received).toEqual([]);
    // SMS_ALLOWED_HOSTS names the org's own hosts (a custom sign-in domain, its brand's name).
    const allowed = startHook({ SMS_ALLOWED_HOSTS: "login.acme.example,booking.com" });
    const custom = "Booking.com verification code: 482915\n@login.acme.example #482915";
    expect((await allowed.call(smsTo(numbers.ukMobile, {}, { msgTemplate: custom }))).json.commands).toBeDefined();
  });

  it("the code used as the call-back number (otpCode 8005551234, text '… Call 800-555-1234') is refused", async () => {
    const { simulator, call } = startHook();
    const msgTemplate = "Code 8005551234. Account locked. Call 800-555-1234";
    const { json } = await call(smsTo(numbers.ukMobile, {}, { otpCode: "8005551234", msgTemplate }));
    expectBlocked(json, /phone number/);
    expect(simulator.received).toEqual([]);
  });

  it("refuses a host outside the WebOTP line, and a WebOTP line for another code", async () => {
    const { call } = startHook();
    const linkAbove = "Sign in at acme.example: 048291\n@acme.okta.com #048291";
    expectBlocked(
      (await call(smsTo(numbers.ukMobile, {}, { otpCode: "048291", msgTemplate: linkAbove }))).json,
      /link/,
    );
    const otherCode = "Your code is 048291\n@acme.okta.com #999999";
    expectBlocked((await call(smsTo(numbers.ukMobile, {}, { otpCode: "048291", msgTemplate: otherCode }))).json, /.+/);
  });

  it("SMS_TEXT=template sends the hook's own text around the code and ignores Okta's", async () => {
    const { simulator, call } = startHook({ SMS_TEXT: "template", SMS_TEMPLATE: "Acme sign-in code: {code}" });
    const { json } = await call(
      smsTo(numbers.ukMobile, {}, { otpCode: "482915", msgTemplate: "Anything at all, visit evil.example" }),
    );
    expect(json.commands).toBeDefined();
    const text = "Acme sign-in code: 482915";
    expect(simulator.sentBodies()).toMatchObject([
      { message: { sms: { parameters: { text } }, default: { parameters: { text } } } },
    ]);
    // Still only a real code.
    expectBlocked((await call(smsTo(numbers.ukMobile, {}, { otpCode: "12" }))).json, /.+/);
  });
});

describe("the review's bypasses of the guard", () => {
  const international = { satellite: "+870773123456", network: "+88216123456" };

  it("international numbers (+870, +882) are INTL: a deny-list can refuse them and an allow-list must name them", async () => {
    const denied = startHook({ FRAUD_COUNTRIES: "!CU,!INTL" });
    const from = capturedLines.length;
    expectBlocked((await denied.call(smsTo(international.satellite))).json, /destination country/);
    expectBlocked((await denied.call(smsTo(international.network))).json, /destination country/);
    expect(denied.simulator.received).toEqual([]);
    expect(logLinesSince(from)).toMatchObject([
      { rule: "country", country: "INTL" },
      { rule: "country", country: "INTL" },
    ]);
    const allowed = startHook({ FRAUD_COUNTRIES: "US,INTL" });
    expect((await allowed.call(smsTo(international.satellite))).json.commands).toBeDefined();
    expectBlocked((await startHook({ FRAUD_COUNTRIES: "US" }).call(smsTo(international.satellite))).json, /country/);
  });

  it("a deny-list refuses a number of no known country: an unreadable number does not slip past !GB", async () => {
    const { simulator, call } = startHook({ FRAUD_COUNTRIES: "!GB", FRAUD_NUMBER_TYPES: "none" });
    expectBlocked((await call(smsTo("+4490123456789"))).json, /destination country/);
    expect(simulator.received).toEqual([]);
  });

  it.each([
    ["a premium-rate number with a digit too many", "+4490123456789"],
    ["a toll-free number behind a stray 0", "+1 0 800 234 5678"],
    ["Cuba behind an international prefix", "0053 5 123 4567"],
  ])("%s (no valid number) is refused by default, without a Telesign call", async (_, phoneNumber) => {
    const { simulator, call } = startHook();
    const from = capturedLines.length;
    expectBlocked((await call(smsTo(phoneNumber))).json, /not valid in its country's numbering plan/);
    expect(simulator.received).toEqual([]);
    expect(logLinesSince(from)).toMatchObject([{ outcome: "blocked", rule: "number_type", numberType: "invalid" }]);
  });

  it("example numbers still go out by default: Okta's Preview number (9876543210) and the NANP's area code 555", async () => {
    const { simulator, call } = startHook();
    for (const phoneNumber of ["9876543210", "+15555550100", "+1 555 555 0123"]) {
      expect((await call(smsTo(phoneNumber))).json.commands).toBeDefined();
    }
    expect(simulator.sentBodies()).toHaveLength(3);
  });

  it("one number written two ways (+44 07624… and +44 7624…) is counted once: a leading 0 does not reset the limit", async () => {
    const { simulator, call } = startHook({ FRAUD_LIMITS: "number:1/1h" });
    expect((await call(smsTo("+447624123456"))).json.commands).toBeDefined();
    expectBlocked((await call(smsTo("+4407624123456"))).json, /rate limit/);
    expect(simulator.sentBodies()).toHaveLength(1);
  });

  describe("a made-up passthrough credential (no TELESIGN_API_KEY to check it)", () => {
    const passthroughEnv = { OKTA_AUTH_MODE: "passthrough", TELESIGN_API_KEY: undefined, OKTA_AUTH_SECRETS: undefined };
    const basic = (key: string) => ({
      authorization: `Basic ${Buffer.from(`${customerId}:${key}`).toString("base64")}`,
    });
    const madeUp = basic("not-the-account-key");

    it("cannot lock a victim's number out: codes Telesign refuses the credential for are not counted", async () => {
      const { simulator, call, afterResponse } = startHook({ ...passthroughEnv, FRAUD_LIMITS: "number:3/1h" });
      for (let i = 0; i < 10; i++) await call(smsTo(numbers.ukMobile), { headers: madeUp });
      await Promise.all(afterResponse);
      // Telesign accepted none of them (the simulator refuses the credential).
      expect(simulator.messages.size).toBe(0);
      // The victim's own codes still go out, up to the limit.
      for (let i = 0; i < 3; i++) {
        expect((await call(smsTo(numbers.ukMobile), { headers: basic(apiKey) })).json.commands).toBeDefined();
      }
      expectBlocked((await call(smsTo(numbers.ukMobile), { headers: basic(apiKey) })).json, /rate limit/);
    });

    it("cannot switch the risk check off for every caller: Telesign's 401 to it is not 'no Intelligence'", async () => {
      const { simulator, call } = startHook({ ...passthroughEnv, TELESIGN_RISK_CHECK: "always" });
      const from = capturedLines.length;
      await call(smsTo(numbers.ukMobile), { headers: madeUp });
      expect(logLinesSince(from).filter(({ message }) => message === "risk check unavailable")).toEqual([]);
      // The real account's next code is still scored: the simulator's "block" number is refused.
      expectBlocked((await call(smsTo("+447400120666"), { headers: basic(apiKey) })).json, /risk score/);
      expect(simulator.messages.size).toBe(0);
    });
  });

  it("an account without Intelligence is asked again after ten minutes, not never", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const { simulator, call } = startHook({ TELESIGN_RISK_CHECK: "always" });
      const scored = () => simulator.received.filter(({ path }) => path.startsWith("/v1/score/")).length;
      await call(smsTo("+447400120403"));
      await call(smsTo("+447400120403"));
      expect(scored()).toBe(1);
      vi.advanceTimersByTime(10 * 60_000 + 1);
      await call(smsTo("+447400120403"));
      expect(scored()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("monitor mode with FRAUD_FAIL=closed sends the code when the database is down, and says it would have blocked", async () => {
    const failing: RateCounters = {
      take: async () => {
        throw new Error("connection refused");
      },
      giveBack: async () => {},
    };
    const { simulator, call } = startHook({ FRAUD_MODE: "monitor", FRAUD_FAIL: "closed" }, {}, { counters: failing });
    const from = capturedLines.length;
    expect((await call(smsTo(numbers.ukMobile))).json.commands).toBeDefined();
    expect(simulator.sentBodies()).toHaveLength(1);
    expect(logLinesSince(from).at(-1)).toMatchObject({ outcome: "accepted", wouldBlock: "unavailable" });
  });

  it("a slow database cannot open the gate to a burst: each instance counts in its own memory meanwhile", async () => {
    const failing: RateCounters = {
      take: async () => {
        throw new Error("connection refused");
      },
      giveBack: async () => {},
    };
    const { simulator, call } = startHook({ FRAUD_LIMITS: "number:3/1h" }, {}, { counters: failing });
    const from = capturedLines.length;
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(smsTo(numbers.ukMobile))));
    expect(simulator.sentBodies()).toHaveLength(3);
    expect(answers.filter(({ json }) => json.error !== undefined)).toHaveLength(7);
    expect(logLinesSince(from).filter(({ outcome }) => outcome === "blocked")[0]).toMatchObject({
      rule: "rate_limit",
      fraudGuard: "unavailable",
    });
  });

  it("a verification's score is not reused for an enrollment: Telesign scores each lifecycle event apart", async () => {
    const { simulator, call, afterResponse } = startHook({ TELESIGN_RISK_CHECK: "always" });
    const scoredEvents = () =>
      simulator.received
        .filter(({ path }) => path.startsWith("/v1/score/"))
        .map(({ body }) => new URLSearchParams(String(body)).get("account_lifecycle_event"));
    await call(smsTo(numbers.ukMobile, { requestType: verification }));
    await Promise.all(afterResponse);
    await call(smsTo(numbers.ukMobile, { requestType: preEnrollment }));
    await Promise.all(afterResponse);
    await call(smsTo(numbers.ukMobile, { requestType: verification }));
    expect(scoredEvents()).toEqual(["sign-in", "create"]);
  });
});

describe("an instance's memory of the shared counters, while the database answers", () => {
  it("a burst of made-up passthrough credentials that fills a counter for a moment does not lock a victim out on the instances that saw it full", async () => {
    let reviewEvents = 0;
    const smsTo = (phoneNumber: string) =>
      oktaRequest(
        { phoneNumber, otpCode: "482915", msgTemplate: "Your verification code is 482915" },
        { eventId: `lockout-${reviewEvents++}` },
      );
    const env = {
      OKTA_AUTH_MODE: "passthrough",
      TELESIGN_API_KEY: undefined,
      OKTA_AUTH_SECRETS: undefined,
      PHONE_HASH_KEY: testPhoneHashKey,
      FRAUD_LIMITS: "number:3/1h",
    };
    const basic = (key: string) => ({
      authorization: `Basic ${Buffer.from(`${customerId}:${key}`).toString("base64")}`,
    });
    const counters = memoryRateCounters(); // the shared counters (the database), one for both instances
    const a = startHook(env, {}, { counters });
    const b = startHook(env, {}, { counters });
    const madeUp = { headers: basic("made-up") };
    // One burst: A's three take the places, B's five find the counter full; Telesign refuses all.
    await Promise.all([
      ...Array.from({ length: 3 }, () => a.call(smsTo("+447400123456"), madeUp)),
      ...Array.from({ length: 5 }, () => b.call(smsTo("+447400123456"), madeUp)),
    ]);
    await Promise.all([...a.afterResponse, ...b.afterResponse]);
    expect(a.simulator.messages.size + b.simulator.messages.size).toBe(0);
    // Every place was given back to the shared counters: the victim's codes go out on either instance.
    expect((await a.call(smsTo("+447400123456"), { headers: basic(apiKey) })).json.commands).toBeDefined();
    expect((await b.call(smsTo("+447400123456"), { headers: basic(apiKey) })).json.error).toBeUndefined();
  });
});
