import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { judgeAnswer } from "../preview/okta-preview.ts";
import { parseConfig } from "../src/config.ts";
import { parseGuardConfig } from "../src/fraud/guard-config.ts";
import { messageTextIssue } from "../src/fraud/message-text.ts";
import { numberFacts } from "../src/fraud/numbering.ts";
import { destinationFindings } from "../src/fraud/rules.ts";
import { createTelephonyHook, maxRequestBytes } from "../src/handlers/telephony-hook.ts";
import { jsonValueOf } from "../src/http/json.ts";
import { jsonLogger } from "../src/log.ts";
import { type ParsedTelephonyRequest, parseTelephonyRequest } from "../src/okta/telephony-request.ts";
import { errorSummaries } from "../src/okta/telephony-response.ts";
import { createDuplicateEvents } from "../src/storage/duplicate-events.ts";
import { baseEnv, hookUrl, oktaPost, oktaSecret, useTelesignSimulator } from "./support/hook.ts";
import { capturedLines } from "./support/log-capture.ts";
import { oktaRequest, sampleWith } from "./support/okta-requests.ts";

/**
 * Whatever arrives — bytes, JSON, near-valid Okta requests, any method and headers — the hook
 * answers within Okta's contract, never throws, and calls Telesign exactly once for each valid,
 * authenticated request and never otherwise. PROPERTY_RUNS sets the cases per property.
 */

const numRuns = Number(process.env.PROPERTY_RUNS ?? 2_000);
const documentedSummaries = new Set<string>(Object.values(errorSummaries));

const phoneNumber = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^\+?1 ?\(?[2-9]\d{2}\)? ?\d{3}-?\d{4}$/) },
  // Numbers of real North American area codes: valid in the plan, so that enough requests go out.
  { weight: 12, arbitrary: fc.stringMatching(/^\+1 ?\((201|212|415)\) ?[2-9]\d{2}-?\d{4}$/) },
  { weight: 4, arbitrary: fc.stringMatching(/^\+?[1-9]\d{6,14}$/) },
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.constant(undefined),
);
const deliveryChannel = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom("SMS", "sms", "Voice", "voice", "voice call", "Voice Call", "CALL", "call", " Sms "),
  },
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.constant(undefined),
);
const otpCode = fc.oneof(
  { weight: 12, arbitrary: fc.stringMatching(/^\d{4,8}$/) },
  fc.nat(),
  fc.integer({ min: -1000, max: -1 }),
  fc.double(),
  fc.string({ maxLength: 24 }),
  fc.constant(undefined),
);
const text = fc.oneof(
  fc.string({ minLength: 1, maxLength: 300, unit: "binary" }),
  fc.constant(undefined),
  fc.integer(),
);
const locale = fc.oneof(
  fc.constantFrom("EN-US", "en", "fr-CA", "fr_CA", "pt-BR", "", "zz-ZZ"),
  fc.string({ maxLength: 12 }),
  fc.constant(null),
);
const requestType = fc.oneof(
  fc.constantFrom(
    "com.okta.user.telephony.pre-enrollment",
    "com.okta.user.telephony.mfa-verification",
    "com.okta.user.telephony.account-unlock",
    "com.okta.user.telephony.password-reset",
  ),
  fc.string({ maxLength: 40 }),
);

/** Okta's sample with any of its fields replaced by something plausible or absurd. */
const nearValidRequest = fc
  .record({
    phoneNumber,
    deliveryChannel,
    otpCode,
    msgTemplate: text,
    locale,
    requestType,
    eventId: fc.oneof(fc.uuid(), fc.string({ maxLength: 120 })),
  })
  .map(({ requestType, eventId, ...profile }) => sampleWith(profile, { requestType, eventId }));

const body = fc.oneof(
  { weight: 6, arbitrary: nearValidRequest.map((request) => JSON.stringify(request)) },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string({ unit: "binary" }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes).toString("latin1")) },
  { weight: 1, arbitrary: fc.constant("x".repeat(maxRequestBytes + 1)) },
);

const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant("POST") },
  { weight: 1, arbitrary: fc.constantFrom("GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS") },
);
const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant<string | undefined>(oktaSecret) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }).filter((value) => /^[\x20-\x7e]*$/.test(value)) },
);
const extraHeaders = fc.dictionary(
  fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
  fc.string({ maxLength: 40 }).filter((value) => /^[\x20-\x7e]*$/.test(value.trim()) && value.trim() === value),
  { maxKeys: 4 },
);

/** The values of a request that must never be logged, where they are distinctive enough to search for. */
function secretsIn(payload: string): string[] {
  const profile = (jsonValueOf(payload) as { data?: { messageProfile?: Record<string, unknown> } } | undefined)?.data
    ?.messageProfile;
  if (typeof profile !== "object" || profile === null) return [];
  const { msgTemplate, otpCode, phoneNumber } = profile;
  const digits = typeof phoneNumber === "string" ? phoneNumber.replace(/\D/g, "") : "";
  return [
    typeof msgTemplate === "string" && msgTemplate.trim().length >= 12 ? msgTemplate : "",
    typeof otpCode === "string" && /^\d{6,}$/.test(otpCode) ? `"${otpCode}"` : "",
    digits.length >= 7 ? digits : "",
  ].filter(Boolean);
}

const defaultGuard = parseGuardConfig({});

/** A valid request whose text is Okta's code message, to a destination the default guard allows. */
function isDeliverable(parsed: ParsedTelephonyRequest): boolean {
  if (!parsed.ok || !defaultGuard.ok) return false;
  const { delivery } = parsed.request;
  return (
    messageTextIssue(delivery, defaultGuard.config.smsText) === undefined &&
    destinationFindings(numberFacts(delivery.phoneNumber), defaultGuard.config).length === 0
  );
}

function hookWithoutDuplicateGuard() {
  const simulator = useTelesignSimulator({ scenarios: {} });
  const hook = createTelephonyHook({ config: parseConfig({ ...baseEnv, TELESIGN_TIMEOUT_MS: "1000" }) });
  return { simulator, hook };
}

describe("any input", () => {
  it("gets a contract-valid answer, and Telesign exactly when the request is valid and authenticated", async () => {
    const { simulator, hook } = hookWithoutDuplicateGuard();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(method, authorization, extraHeaders, body, async (verb, secret, headers, payload) => {
        const sentBefore = simulator.received.length;
        const logsBefore = capturedLines.length;
        const acceptedBefore = simulator.messages.size;
        const hasBody = verb !== "GET" && verb !== "HEAD";
        const response = await hook(
          new Request(hookUrl, {
            method: verb,
            headers: { ...headers, ...(secret === undefined ? {} : { authorization: secret }) },
            body: hasBody ? payload : null,
          }),
        );
        const answer = verb === "HEAD" ? "" : await response.text();

        expect([200, 401, 405, 413]).toContain(response.status);
        if (response.status === 200) {
          expect(judgeAnswer({ httpStatus: 200, durationMs: 0, body: answer }).verdict).not.toBe("skip");
        } else if (verb !== "HEAD") {
          expect(JSON.parse(answer)).toMatchObject({ error: { errorSummary: expect.any(String) } });
        }
        const summary = (jsonValueOf(answer) as { error?: { errorSummary?: string } } | undefined)?.error?.errorSummary;
        if (summary !== undefined) expect(documentedSummaries.has(summary) || /^-?\d{1,6}$/.test(summary)).toBe(true);

        const valid =
          verb === "POST" &&
          secret === oktaSecret &&
          Buffer.byteLength(payload) <= maxRequestBytes &&
          isDeliverable(parseTelephonyRequest(jsonValueOf(payload)));
        expect(simulator.received.length - sentBefore).toBe(valid ? 1 : 0);
        // Every body that reached Telesign passed its validation.
        expect(simulator.messages.size - acceptedBefore).toBe(valid ? 1 : 0);
        if (valid) sent++;
        // Nothing the request carried as a secret or personal data reached the logs.
        const logged = capturedLines.slice(logsBefore).join("\n");
        for (const secret of secretsIn(payload)) expect(logged).not.toContain(secret);
      }),
      { numRuns },
    );
    // The generators must exercise both sides: enough valid requests reach Telesign. About one in
    // twenty does (the guard refuses most random numbers and texts); the bound leaves room for
    // the draw's spread, so that no seed fails it.
    expect(sent).toBeGreaterThan(numRuns / 40);
  }, 300_000);

  it("sends one message per distinct eventId, however often and in whatever order each repeats", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("event-a", "event-b", "event-c", "event-d"), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (eventIds, concurrently) => {
          const simulator = useTelesignSimulator({ scenarios: {} });
          const duplicates = createDuplicateEvents({ log: jsonLogger });
          const hook = createTelephonyHook({ config: parseConfig(baseEnv), duplicates });
          const send = async (eventId: string) => {
            const response = await hook(oktaPost(oktaRequest({}, { eventId })));
            return { eventId, answer: await response.text() };
          };
          const answers = concurrently ? await Promise.all(eventIds.map(send)) : [];
          if (!concurrently) for (const eventId of eventIds) answers.push(await send(eventId));

          expect(simulator.sentBodies()).toHaveLength(new Set(eventIds).size);
          for (const { eventId, answer } of answers) {
            expect(answer).toBe(answers.find((first) => first.eventId === eventId)?.answer);
          }
        },
      ),
      { numRuns: Math.max(50, Math.floor(numRuns / 10)) },
    );
  }, 300_000);
});
