import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseGuardConfig } from "../src/fraud/guard-config.ts";
import { messageTextIssue } from "../src/fraud/message-text.ts";
import { numberFacts } from "../src/fraud/numbering.ts";
import { counterKeys, defaultRateLimits, parseRateLimits } from "../src/fraud/rate-limits.ts";
import { lifecycleEventOf } from "../src/fraud/risk-check.ts";
import { countryAllowed } from "../src/fraud/rules.ts";
import { parseTelephonyRequest } from "../src/okta/telephony-request.ts";
import { subjectDigest } from "../src/storage/fraud-store.ts";
import { type HashKey, subjectHashKey } from "../src/storage/phone-hash.ts";
import { publicIpAddress } from "../src/support/public-ip.ts";
import { oktaRequest } from "./support/okta-requests.ts";

describe("numbering plan: country and type by the plan, not the calling code", () => {
  it.each([
    ["12015550123", "US", "fixed-line-or-mobile"],
    ["18762101234", "JM", "mobile"],
    ["16846221234", "AS", "fixed-line"],
    ["447400123456", "GB", "mobile"],
    ["447624123456", "IM", "mobile"],
    ["449012345678", "GB", "premium-rate"],
    ["18002345678", "US", "toll-free"],
    ["5351234567", "CU", "mobile"],
    ["37121234567", "LV", "mobile"],
    ["15555550123", undefined, undefined],
  ])("+%s is %s, %s", (digits, country, type) => {
    expect(numberFacts(digits)).toEqual({ key: digits, ...(country && { country }), ...(type && { type }) });
  });

  it("a number of no known country is refused by an allow-list and by a deny-list alike, and passes without one", () => {
    expect(countryAllowed({ allow: new Set(["US"]) }, undefined)).toBe(false);
    expect(countryAllowed({ deny: new Set(["CU"]) }, undefined)).toBe(false);
    expect(countryAllowed(undefined, undefined)).toBe(true);
  });
});

describe("FRAUD_LIMITS", () => {
  it("reads scopes, counts and windows in minutes, hours and days", () => {
    expect(parseRateLimits("number:5/1h, range:20/90m,user:10/1H,all:2000/1d,country:300/7d")).toEqual({
      ok: true,
      limits: [
        { scope: "number", count: 5, window: "1h", windowMs: 3_600_000 },
        { scope: "range", count: 20, window: "90m", windowMs: 5_400_000 },
        { scope: "user", count: 10, window: "1h", windowMs: 3_600_000 },
        { scope: "all", count: 2000, window: "1d", windowMs: 86_400_000 },
        { scope: "country", count: 300, window: "7d", windowMs: 604_800_000 },
      ],
    });
    expect(parseRateLimits("")).toEqual({ ok: true, limits: [] });
    expect(parseRateLimits("none")).toEqual({ ok: true, limits: [] });
    expect(parseRateLimits(defaultRateLimits).ok).toBe(true);
  });

  it.each([
    ["number:5", /scope:count\/window/],
    ["number:5/1w", /scope:count\/window/],
    ["phone:5/1h", /scopes number, range/],
    ["number:0/1h", /1 to/],
    ["number:5/0m", /1m to 31d/],
    ["number:5/32d", /1m to 31d/],
    ["number:5/1h,number:9/60m", /repeat/],
  ])("refuses %s", (value, reason) => {
    const parsed = parseRateLimits(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it("counts in fixed windows aligned to the epoch, under digests of the number, its range and the user", () => {
    const parsed = parseRateLimits("range:20/1h,number:5/1d,user:3/1h,country:9/1h,all:99/1h");
    if (!parsed.ok) throw new Error(parsed.reason);
    const now = Date.UTC(2026, 11, 6, 14, 25);
    const keys = counterKeys(
      parsed.limits,
      { phoneNumber: "447400123456", country: "GB", oktaUserId: "00u1" },
      now,
      (subject) => `#${subject.length}`,
    );
    expect(keys.map(({ key }) => key)).toEqual([
      "all/1h:all",
      "country/1h:GB",
      "number/1d:#19",
      "range/1h:#14",
      "user/1h:#9",
    ]);
    const hour = keys.find(({ scope }) => scope === "range");
    expect(hour).toMatchObject({
      windowStart: Date.UTC(2026, 11, 6, 14),
      windowEnd: Date.UTC(2026, 11, 6, 15),
      limit: 20,
    });
    expect(keys.find(({ scope }) => scope === "number")?.windowStart).toBe(Date.UTC(2026, 11, 6));
    // No user id: the user scope does not count the request.
    const anonymous = counterKeys(parsed.limits, { phoneNumber: "447400123456" }, now, (subject) => subject);
    expect(anonymous.map(({ scope }) => scope)).toEqual(["all", "country", "number", "range"]);
    expect(anonymous.find(({ scope }) => scope === "country")?.key).toBe("country/1h:unknown");
  });
});

describe("the guard's configuration", () => {
  it("has defaults that need no variable", () => {
    const parsed = parseGuardConfig({});
    expect(parsed).toMatchObject({
      ok: true,
      config: {
        mode: "enforce",
        failure: "open",
        refusedNumberTypes: new Set(["premium-rate", "shared-cost", "toll-free", "invalid"]),
        riskCheck: "off",
        riskRefuses: new Set(["block"]),
        smsText: { mode: "okta" },
      },
    });
    if (parsed.ok) expect(parsed.config.limits.map(({ scope }) => scope)).toEqual(["number", "range", "user"]);
    if (parsed.ok) expect(parsed.config.countries).toBeUndefined();
  });

  it("reads every variable", () => {
    expect(
      parseGuardConfig({
        FRAUD_MODE: "Monitor",
        FRAUD_FAIL: "closed",
        FRAUD_COUNTRIES: "us, ca,GB",
        FRAUD_NUMBER_TYPES: "premium_rate,VOIP",
        FRAUD_LIMITS: "all:100/1d",
        TELESIGN_RISK_CHECK: "enrollment",
        TELESIGN_RISK_BLOCK: "flag",
        SMS_TEXT: "template",
        SMS_TEMPLATE: "Your Acme code: {code}",
        SMS_ALLOWED_HOSTS: "Acme.com, login.acme.com",
        PHONE_HASH_KEY: "a key",
      }),
    ).toEqual({
      ok: true,
      warnings: [],
      config: {
        mode: "monitor",
        failure: "closed",
        countries: { allow: new Set(["US", "CA", "GB"]) },
        refusedNumberTypes: new Set(["premium-rate", "voip"]),
        limits: [{ scope: "all", count: 100, window: "1d", windowMs: 86_400_000 }],
        riskCheck: "enrollment",
        riskRefuses: new Set(["block", "flag"]),
        smsText: { mode: "template", template: "Your Acme code: {code}" },
        allowedHosts: new Set(["acme.com", "login.acme.com"]),
      },
    });
    expect(parseGuardConfig({ FRAUD_COUNTRIES: "!CU, !lv" })).toMatchObject({
      ok: true,
      config: { countries: { deny: new Set(["CU", "LV"]) } },
    });
  });

  it("an empty FRAUD_LIMITS or FRAUD_NUMBER_TYPES means none", () => {
    expect(parseGuardConfig({ FRAUD_LIMITS: "", FRAUD_NUMBER_TYPES: "" })).toMatchObject({
      ok: true,
      config: { limits: [], refusedNumberTypes: new Set() },
    });
  });

  it("names every problem at once, never echoing a value", () => {
    const parsed = parseGuardConfig({
      FRAUD_MODE: "watch",
      FRAUD_FAIL: "maybe",
      FRAUD_COUNTRIES: "US,!CU",
      FRAUD_NUMBER_TYPES: "premium",
      FRAUD_LIMITS: "secretvalue:5/1h",
      TELESIGN_RISK_CHECK: "sometimes",
      TELESIGN_RISK_BLOCK: "allow",
      SMS_TEXT: "custom",
      SMS_TEMPLATE: "no placeholder here",
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map(({ variables }) => variables.join())).toEqual([
      "FRAUD_MODE",
      "FRAUD_FAIL",
      "TELESIGN_RISK_CHECK",
      "TELESIGN_RISK_BLOCK",
      "FRAUD_COUNTRIES",
      "FRAUD_NUMBER_TYPES",
      "FRAUD_LIMITS",
      "SMS_TEXT",
      "SMS_TEMPLATE",
    ]);
    expect(parsed.problems.map(({ message }) => message).join("\n")).not.toMatch(
      /watch|maybe|secretvalue|sometimes|custom|placeholder/,
    );
  });

  it("says that the United Kingdom is GB, and refuses what is not a country code", () => {
    expect(parseGuardConfig({ FRAUD_COUNTRIES: "US,UK", PHONE_HASH_KEY: "a key" })).toEqual({
      ok: false,
      problems: [
        {
          variables: ["FRAUD_COUNTRIES"],
          message: "FRAUD_COUNTRIES must list ISO 3166-1 alpha-2 country codes (not UK: the United Kingdom is GB)",
        },
      ],
      warnings: [],
    });
    expect(parseGuardConfig({ FRAUD_COUNTRIES: "USA" }).ok).toBe(false);
  });

  it("a count too large to read gets the count's own message, and contradictory limits of one scope a warning", () => {
    const huge = parseRateLimits("number:99999999999/1h");
    expect(huge).toEqual({ ok: false, reason: "must allow 1 to 10000000 codes (entry 1)" });
    const parsed = parseGuardConfig({ FRAUD_LIMITS: "number:10/1h,number:5/1d", PHONE_HASH_KEY: "a key" });
    expect(parsed).toMatchObject({
      ok: true,
      warnings: [{ variables: ["FRAUD_LIMITS"], message: expect.stringMatching(/1h limit never applies/) }],
    });
  });

  it("counters and scores never name numbers by a plain hash: keyed by PHONE_HASH_KEY, else by a key derived from TELESIGN_API_KEY", () => {
    const byApiKey = subjectDigest(subjectHashKey(undefined, "an API key") as HashKey)("number:447400123456");
    const byOtherApiKey = subjectDigest(subjectHashKey(undefined, "another API key") as HashKey)("number:447400123456");
    expect(byApiKey).not.toBe(createHash("sha256").update("number:447400123456").digest("base64url"));
    expect(byOtherApiKey).not.toBe(byApiKey);
    expect(subjectHashKey("a phone hash key", "an API key")).toBe("a phone hash key");
    expect(subjectHashKey(undefined, undefined)).toBeUndefined();
  });

  it("a phishing SMS_TEMPLATE is refused at configuration, as Okta's text would be at send time", () => {
    for (const template of ["Code {code}. Call 0800 555 1234", "Code {code} at evil.example/x", "{code} {code}"]) {
      expect(parseGuardConfig({ SMS_TEXT: "template", SMS_TEMPLATE: template, PHONE_HASH_KEY: "a key" })).toMatchObject(
        { ok: false, problems: [{ variables: ["SMS_TEMPLATE"] }] },
      );
    }
    expect(parseGuardConfig({ SMS_TEXT: "template", SMS_TEMPLATE: "Acme code: {code}. Valid 10 minutes." }).ok).toBe(
      true,
    );
  });

  it("SMS_ALLOWED_HOSTS takes host names only, never a URL", () => {
    expect(parseGuardConfig({ SMS_ALLOWED_HOSTS: "https://acme.com/x" })).toMatchObject({
      ok: false,
      problems: [{ variables: ["SMS_ALLOWED_HOSTS"] }],
    });
  });

  it("a template is required for SMS_TEXT=template, and a template without it does nothing: both refused", () => {
    expect(parseGuardConfig({ SMS_TEXT: "template", PHONE_HASH_KEY: "a key" })).toEqual({
      ok: false,
      problems: [{ variables: ["SMS_TEMPLATE"], message: "SMS_TEMPLATE is required when SMS_TEXT is template" }],
      warnings: [],
    });
    expect(parseGuardConfig({ SMS_TEMPLATE: "Code: {code}" })).toMatchObject({ ok: false });
    expect(parseGuardConfig({ SMS_TEXT: "template", SMS_TEMPLATE: `{code} ${"x".repeat(320)}` })).toMatchObject({
      ok: false,
    });
  });
});

describe("the end user's address", () => {
  it.each([
    ["81.2.69.160", true],
    ["2a02:1388:2:1::1", true],
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.20.0.5", false],
    ["192.168.1.1", false],
    ["100.64.0.1", false],
    ["169.254.10.10", false],
    ["0.0.0.0", false],
    ["198.18.0.1", false],
    ["192.0.2.10", false],
    ["203.0.113.5", false],
    ["224.0.0.1", false],
    ["255.255.255.255", false],
    ["256.1.1.1", false],
    ["081.2.69.160", false],
    ["8.8.8.8", true],
    ["::1", false],
    ["::", false],
    ["fd12:3456::1", false],
    ["fe80::1", false],
    ["::ffff:10.0.0.1", false],
    ["::ffff:81.2.69.160", true],
    ["2001:db8::1", false],
    ["not an address", false],
    ["81.2.69.160, 10.0.0.1", false],
  ])("%s is public: %s", (address, isPublic) => {
    expect(publicIpAddress(address)).toBe(isPublic ? address : undefined);
  });

  it("is judged once, where Okta's request is read: the request keeps a public address only", () => {
    const withIp = (ipAddress: string) => {
      const body = oktaRequest();
      body.data.context.request.ipAddress = ipAddress;
      const parsed = parseTelephonyRequest(body);
      if (!parsed.ok) throw new Error("the test's request is invalid");
      return parsed.request.endUserIp;
    };
    expect(withIp(" 81.2.69.160 ")).toBe("81.2.69.160");
    expect(withIp("127.0.0.1")).toBeUndefined();
    expect(withIp("10.1.2.3")).toBeUndefined();
  });
});

describe("Telesign's account lifecycle event", () => {
  it.each([
    ["com.okta.user.telephony.pre-enrollment", "create"],
    ["com.okta.user.telephony.mfa-verification", "sign-in"],
    ["com.okta.user.telephony.password-reset", "update"],
    ["com.okta.user.telephony.account-unlock", "update"],
    ["com.okta.user.telephony.something-new", "sign-in"],
    [undefined, "sign-in"],
  ])("%s → %s", (requestType, event) => {
    expect(lifecycleEventOf(requestType)).toBe(event);
  });
});

describe("the SMS text", () => {
  /** The org's hosts: its Okta domain (from Okta's `source`) and SMS_ALLOWED_HOSTS. */
  const orgHosts = new Set(["acme.okta.com", "login.acme.example"]);
  const sms = (text: string, otpCode: string | undefined = "482915", hosts: ReadonlySet<string> = orgHosts) =>
    messageTextIssue(
      { channel: "sms", phoneNumber: "447400123456", text, ...(otpCode && { otpCode }) },
      { mode: "okta" },
      hosts,
    );

  describe("bypasses of the text guard", () => {
    it.each([
      [
        "the code itself as the call-back number, formatted",
        "Code 8005551234. Locked? Call 800-555-1234",
        "8005551234",
      ],
      ["the code twice, once as a number", "Code 8005551234. Call +1 8005551234", "8005551234"],
      ["the code again, spread with spaces", "Your code is 482915. Or: 48 29 15", "482915"],
    ])("refuses %s: only the code as one token counts", (_, text, code) => {
      expect(sms(text, code)).toBeDefined();
    });

    it.each([
      ["wide separators", "Code 482915. Call +1 800   555   1234"],
      ["en dashes", "Code 482915. Call 0800\u2013555\u20131234"],
      ["underscores", "Code 482915. Call 0800_555_1234"],
      ["one digit at a time", "Code 482915. Call 0 8 0 0 5 5 5"],
      ["fullwidth digits", "Code 482915. Call \uFF10\uFF18\uFF10\uFF10\uFF15\uFF15\uFF15\uFF11\uFF12"],
      ["Arabic-Indic digits", "Code 482915. Call \u0660\u0668\u0660\u0660\u0665\u0665\u0665\u0661"],
      ["a zero-width space inside the number", "Code 482915. Call 0800\u200B555\u200B1234"],
    ])("refuses a call-back number written with %s", (_, text) => {
      expect(sms(text)?.reason).toMatch(/phone number/);
    });

    it.each([
      ["a zero-width space before the dot", "Code 482915 at evil\u200B.com"],
      ["a soft hyphen before the dot", "Code 482915 at evil\u00AD.com"],
      ["an ideographic full stop", "Code 482915 at evil\u3002com/login"],
      ["a fullwidth full stop", "Code 482915 at evil\uFF0Ecom"],
      ["a halfwidth ideographic full stop", "Code 482915 at evil\uFF61com"],
      ["fullwidth letters", "Code 482915 at \uFF45\uFF56\uFF49\uFF4C.com"],
    ])("refuses a link hidden by %s", (_, text) => {
      expect(sms(text)?.reason).toMatch(/link/);
    });

    it.each([
      ["a look-alike host", "Your code is 482915.\n@okta-secure-login.com #482915"],
      ["a second host after the org's", "Your code is 482915.\n@acme.okta.com #482915 @evil-login.com"],
      ["another org's Okta domain", "Your code is 482915.\n@evil.okta.com #482915"],
    ])("refuses a WebOTP line naming %s", (_, text) => {
      expect(sms(text)?.reason).toMatch(/link|phone number/);
    });

    it("accepts the WebOTP line of the org's own hosts only", () => {
      expect(sms("Your code is 482915.\n@ACME.okta.com #482915")).toBeUndefined();
      expect(sms("Your code is 482915.\n@acme.okta.com #482915", "482915", new Set())).toBeDefined();
    });
  });

  describe("Okta's SMS templates in several languages pass", () => {
    it.each([
      "Your verification code is 482915.",
      "Your Acme verification code is 482915. It expires in 5 minutes.",
      "Votre code de vérification est 482915. Il expire dans 10 minutes.",
      "Ihr Bestätigungscode lautet 482915. Er läuft in 10 Minuten ab.",
      "Su código de verificación es 482915. Caduca en 5 minutos.",
      "Il tuo codice di verifica è 482915. Scade tra 10 minuti.",
      "O seu código de verificação é 482915. Expira em 5 minutos.",
      "Uw verificatiecode is 482915. Deze verloopt over 10 minuten.",
      "認証コードは482915です。有効期限は10分です。",
      "您的验证码是 482915，10 分钟内有效。",
      "인증 코드는 482915입니다. 10분 후에 만료됩니다.",
      "Ваш код подтверждения: 482915. Он действителен 10 минут.",
      "رمز التحقق الخاص بك هو 482915. تنتهي صلاحيته خلال ١٠ دقائق.",
      "(HOOK)Your code is 482915, valid for 300 s",
      "Your Acme code is 482915. Valid until 14:35.",
      "Your verification code is 482915.\n@acme.okta.com #482915",
    ])("%s", (text) => {
      expect(sms(text)).toBeUndefined();
    });

    it("a host SMS_ALLOWED_HOSTS lists passes (Booking.com's own name); a path on it, or any other host, does not", () => {
      const hosts = new Set(["booking.com"]);
      expect(sms("Booking.com verification code: 482915", "482915", hosts)).toBeUndefined();
      expect(sms("Booking.com verification code: 482915", "482915", new Set())?.reason).toMatch(/link/);
      expect(sms("482915 at booking.com/reset", "482915", hosts)?.reason).toMatch(/link/);
      expect(sms("482915 at https://booking.com", "482915", hosts)?.reason).toMatch(/link/);
    });
  });

  it.each([
    "Your verification code is 482915",
    "Your verification code is 482915.",
    "482915 is your Acme code. It expires in 5 minutes.",
    "Votre code de vérification est 482915. Il expire dans 10 minutes.",
    "Ihr Bestätigungscode lautet 482915.Gültig für 5 Min.",
    "您的验证码是 482915",
    "Your verification code is 482915.\n@acme.okta.com #482915",
    "Your verification code is 482915.\n\n@login.acme.example #482915 @acme.okta.com",
    "(HOOK)Your code is 482915, valid for 300 s",
  ])("accepts Okta's kind of text: %s", (text) => {
    expect(sms(text)).toBeUndefined();
  });

  it.each([
    ["Visit https://evil.example: 482915", /link/],
    ["482915 - www.evil", /link/],
    ["482915 see evil.example/x", /link/],
    ["482915 see xn--e1afmkfd.xn--p1ai", /link/],
    ["482915 see пример.рф", /link/],
    ["482915 or mail help@evil.example", /link/],
    ["482915. Call 0800 123 4567", /phone number/],
    ["482915. Call +44 (0)20 7946 0958", /phone number/],
    ["482915. Text 88442", /phone number/],
    ["482915\n@acme.okta.com #482915\nvisit evil.example", /link/],
    ["your code 48291", /otpCode/],
  ])("refuses %s", (text, reason) => {
    expect(sms(text)?.reason).toMatch(reason);
  });

  it.each([undefined, "e", "123", "12345678901", "48291a", " 482915"])(
    "refuses an SMS whose otpCode is %j: Okta's codes are 4 to 10 digits",
    (otpCode) => {
      const delivery = { channel: "sms" as const, phoneNumber: "447400123456", text: "Your code is 482915" };
      const issue = messageTextIssue({ ...delivery, ...(otpCode !== undefined && { otpCode }) }, { mode: "okta" });
      expect(issue?.location).toBe("data.messageProfile.otpCode");
    },
  );

  it("a voice call speaks only a code of 4 to 10 digits: a word or a long number is not Okta's", () => {
    const voice = (otpCode: string) =>
      messageTextIssue({ channel: "voice", phoneNumber: "447400123456", otpCode }, { mode: "okta" });
    expect(voice("482915")).toBeUndefined();
    expect(voice("048291")).toBeUndefined();
    for (const code of ["AB12", "123", "18005551234567", "CALLUSNOW"]) {
      expect(voice(code)?.location).toBe("data.messageProfile.otpCode");
    }
  });
});
