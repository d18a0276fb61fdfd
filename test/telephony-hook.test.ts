import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { maxMessageTextLength } from "../src/fraud/message-text.ts";
import { createTelephonyHook, maxRequestBytes } from "../src/handlers/telephony-hook.ts";
import successResponse from "./fixtures/okta/success-response.json" with { type: "json" };
import {
  apiKey,
  baseEnv,
  customerId,
  oktaPost,
  oktaSecret,
  startHook,
  telesignUrl,
  useTelesignSimulator,
} from "./support/hook.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { oktaRequest, requestTypes } from "./support/okta-requests.ts";
import { trickledBody } from "./support/trickle.ts";

const referenceIdPattern = /^[0-9A-F]{32}$/;

describe("Okta's official sample", () => {
  it("is sent to Telesign as the SMS body of Telesign's Okta guide, the text also where Telesign's SDK puts it", async () => {
    const { simulator, call } = startHook();
    const { status, json } = await call(oktaRequest());

    // Preview's 127.0.0.1 is not the end user's address: no originating_ip.
    expect(simulator.sentBodies()).toEqual([
      {
        channels: [{ channel: "sms" }],
        recipient: { phone_number: "9876543210" },
        message: {
          sms: { template: "text", parameters: { text: "(HOOK)Your code is 11111" } },
          default: { parameters: { text: "(HOOK)Your code is 11111" } },
        },
        message_type: "OTP",
        external_id: "uS5871kJThSsU8qlA1LTcg",
      },
    ]);
    expect(status).toBe(200);
    const [message] = simulator.messages.values();
    expect(json).toEqual({
      commands: [
        {
          type: "com.okta.telephony.action",
          value: [
            {
              status: "SUCCESSFUL",
              provider: "Telesign",
              transactionId: message?.referenceId,
              transactionMetadata: expect.stringMatching(/^channel=sms code=3001 duration=\d+ms$/),
            },
          ],
        },
      ],
    });
    expect(json.commands[0].value[0].transactionId).toMatch(referenceIdPattern);
  });

  it("answers in the shape of Okta's sample success response", async () => {
    const { call } = startHook();
    const { json } = await call(oktaRequest());
    const shape = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(shape)
        : typeof value === "object" && value !== null
          ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]))
          : typeof value;
    expect(shape(json)).toEqual(shape(successResponse));
  });

  it("authenticates to Telesign with Basic customerId:apiKey by default", async () => {
    const { simulator, call } = startHook();
    await call(oktaRequest());
    expect(simulator.received[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${customerId}:${apiKey}`).toString("base64")}`,
    );
    expect(simulator.received[0]?.headers["content-type"]).toBe("application/json");
  });

  it("signs with Telesign's TSA digest when TELESIGN_AUTH_METHOD is digest", async () => {
    const { simulator, call } = startHook({ TELESIGN_AUTH_METHOD: "digest" });
    const { json } = await call(oktaRequest());
    const headers = simulator.received[0]?.headers ?? {};
    expect(headers.authorization).toMatch(new RegExp(`^TSA ${customerId}:[A-Za-z0-9+/]{43}=$`));
    expect(headers["x-ts-auth-method"]).toBe("HMAC-SHA256");
    expect(headers["x-ts-nonce"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(headers.date ?? "").getTime()).toBeGreaterThan(Date.now() - 60_000);
    // The simulator recomputes the signature: an accepted message proves it matched.
    expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
  });
});

describe("every request type and channel", () => {
  for (const requestType of requestTypes) {
    it(`delivers ${requestType} by SMS`, async () => {
      const { simulator, call } = startHook();
      const { json } = await call(oktaRequest({}, { requestType }));
      expect(simulator.sentBodies()).toMatchObject([{ channels: [{ channel: "sms" }] }]);
      expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
    });

    it(`delivers ${requestType} by voice`, async () => {
      const { simulator, call } = startHook();
      const { json } = await call(oktaRequest({ deliveryChannel: "Voice", otpCode: "620194" }, { requestType }));
      expect(simulator.sentBodies()).toEqual([
        {
          channels: [{ channel: "voice" }],
          recipient: { phone_number: "9876543210" },
          message: { voice: { template: "otp_voice", parameters: { otp_code: "620194", language: "en" } } },
          message_type: "OTP",
          external_id: "uS5871kJThSsU8qlA1LTcg",
        },
      ]);
      expect(json.commands[0].value[0]).toMatchObject({ status: "SUCCESSFUL", provider: "Telesign" });
    });
  }

  it("delivers an unknown request type, and logs that it was unknown", async () => {
    const { simulator, call } = startHook();
    const from = capturedLines.length;
    const { json } = await call(oktaRequest({}, { requestType: "com.okta.user.telephony.something-new" }));
    expect(simulator.sentBodies()).toHaveLength(1);
    expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
    expect(logLinesSince(from)).toMatchObject([
      { requestType: "com.okta.user.telephony.something-new", unknownRequestType: true, outcome: "accepted" },
    ]);
  });
});

describe("Okta's variants", () => {
  it.each([
    ["SMS", "sms"],
    ["sms", "sms"],
    [" Sms ", "sms"],
    ["Voice", "voice"],
    ["voice", "voice"],
    ["voice call", "voice"],
    ["Voice Call", "voice"],
    ["CALL", "voice"],
    ["call", "voice"],
  ])("deliveryChannel %j goes out as %s", async (deliveryChannel, channel) => {
    const { simulator, call } = startHook();
    await call(oktaRequest({ deliveryChannel, otpCode: "620194", msgTemplate: "Your code is 620194" }));
    expect(simulator.sentBodies()).toMatchObject([{ channels: [{ channel }] }]);
  });

  it.each([
    ["EN-US", "en"],
    ["en", "en"],
    ["fr-CA", "fr"],
    ["fr_CA", "fr"],
    ["DE", "de"],
    ["pt-BR", "pt"],
    ["xx-YY", "en"],
    ["", "en"],
    [undefined, "en"],
    [null, "en"],
  ])("locale %j is spoken in %s", async (locale, language) => {
    const { simulator, call } = startHook();
    await call(oktaRequest({ deliveryChannel: "voice call", otpCode: "620194", locale }));
    expect(simulator.sentBodies()).toMatchObject([{ message: { voice: { parameters: { language } } } }]);
  });

  it.each([
    ["620194", "620194"],
    ["012345", "012345"],
    [620194, "620194"],
    [" 482915 ", "482915"],
  ])("otpCode %j is spoken as %j", async (otpCode, spoken) => {
    const { simulator, call } = startHook();
    await call(oktaRequest({ deliveryChannel: "voice", otpCode }));
    expect(simulator.sentBodies()).toMatchObject([{ message: { voice: { parameters: { otp_code: spoken } } } }]);
  });

  it.each([
    ["+15555551212", "15555551212"],
    ["+1 (555) 555-1212", "15555551212"],
    ["9876543210", "9876543210"],
    ["+44 20 7946 0958", "442079460958"],
    ["+49.30.901820", "4930901820"],
  ])("phoneNumber %j goes out as %s", async (phoneNumber, digits) => {
    const { simulator, call } = startHook();
    await call(oktaRequest({ phoneNumber }));
    expect(simulator.sentBodies()).toMatchObject([{ recipient: { phone_number: digits } }]);
  });

  it("sends the configured SMS sender id, and none with voice", async () => {
    const { simulator, call } = startHook({ TELESIGN_SMS_SENDER_ID: "AcmeCorp" }, { senderIds: ["AcmeCorp"] });
    await call(oktaRequest());
    await call(oktaRequest({ deliveryChannel: "voice", otpCode: "620194" }));
    const [sms, voice] = simulator.sentBodies() as Record<string, unknown>[];
    expect(sms?.sender_id).toBe("AcmeCorp");
    expect(voice).not.toHaveProperty("sender_id");
  });

  it("leaves out an eventId Telesign would refuse as external_id, and still delivers", async () => {
    const { simulator, call } = startHook();
    const { json } = await call(oktaRequest({}, { eventId: "e".repeat(101) }));
    expect(simulator.sentBodies()[0]).not.toHaveProperty("external_id");
    expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
  });
});

describe("Telesign's refusals", () => {
  it.each([
    ["3101", 3101, "Invalid value for parameter phone_number"],
    ["3204", 3204, "Rate limit exceeded"],
    ["3500", 3500, "System unavailable, please try again later"],
  ])("a number ending %s gets Telesign's code %i as errorSummary", async (ending, code, reason) => {
    const { call } = startHook();
    const { status, json } = await call(oktaRequest({ phoneNumber: `+1555555${ending}` }));
    expect(status).toBe(200);
    expect(json).toEqual({
      error: { errorSummary: String(code), errorCauses: [{ errorSummary: String(code), reason, location: "EN-US" }] },
    });
  });

  it.each([
    [400, 3110, "Invalid request"],
    [400, 3112, "Template not available for channel"],
    [400, 3115, "Destination not in coverage"],
    [400, 3306, "Missing parameter"],
    [401, 3400, "Not authorized"],
    [401, 3410, "Invalid signature"],
    [429, 3205, "SMS TPS exceeded"],
    [429, 3206, "Product not enabled"],
    [400, 3200, "Channel not enabled"],
    [400, 3072, "Blocked"],
    [200, 3073, "Insufficient funds"],
  ])("HTTP %i with code %i is answered as error %i", async (httpStatus, code, description) => {
    const { call } = startHook();
    server.use(
      http.post(`${telesignUrl}/v1/omnichannel`, () =>
        HttpResponse.json({ status: { code, description }, external_id: null }, { status: httpStatus }),
      ),
    );
    const { status, json } = await call(oktaRequest({ locale: "fr-CA" }));
    expect(status).toBe(200);
    expect(json.error).toEqual({
      errorSummary: String(code),
      errorCauses: [{ errorSummary: String(code), reason: description, location: "fr-CA" }],
    });
  });

  it("decides on status.code, not on the HTTP status: 3001 under HTTP 202 is a success", async () => {
    const { call } = startHook();
    server.use(
      http.post(`${telesignUrl}/v1/omnichannel`, () =>
        HttpResponse.json(
          {
            reference_id: "35C8B5D509BC10689196FED2AD551B8A",
            status: { code: 3001, description: "Message in progress" },
          },
          { status: 202 },
        ),
      ),
    );
    const { json } = await call(oktaRequest());
    expect(json.commands[0].value[0]).toMatchObject({
      status: "SUCCESSFUL",
      transactionId: "35C8B5D509BC10689196FED2AD551B8A",
    });
  });

  it("answers an error with the code when Telesign's answer has no description", async () => {
    const { call } = startHook();
    server.use(
      http.post(`${telesignUrl}/v1/omnichannel`, () => HttpResponse.json({ status: { code: 3999 } }, { status: 400 })),
    );
    const { json } = await call(oktaRequest({ locale: undefined }));
    expect(json.error).toEqual({
      errorSummary: "3999",
      errorCauses: [{ errorSummary: "3999", reason: "Telesign status 3999", location: "" }],
    });
  });
});

describe("Telesign answers that are not Telesign's", () => {
  it.each([
    ["0502", 502],
    ["0413", 413],
    ["0200", 200],
  ])("a number ending %s (HTTP %i, not JSON) gets 'Message provider error'", async (ending, httpStatus) => {
    const { call } = startHook();
    const { status, json } = await call(oktaRequest({ phoneNumber: `+1555555${ending}` }));
    expect(status).toBe(200);
    expect(json).toEqual({
      error: {
        errorSummary: "Message provider error",
        errorCauses: [
          {
            errorSummary: "Message provider error",
            reason: `Telesign answered HTTP ${httpStatus} without a status`,
            location: "EN-US",
          },
        ],
      },
    });
  });

  it("treats JSON without a status code as a provider error", async () => {
    const { call } = startHook();
    server.use(
      http.post(`${telesignUrl}/v1/omnichannel`, () => HttpResponse.json({ message: "gateway" }, { status: 504 })),
    );
    const { json } = await call(oktaRequest());
    expect(json.error.errorSummary).toBe("Message provider error");
  });

  it("answers 'Message provider unreachable' when the connection fails", async () => {
    const { call } = startHook();
    server.use(http.post(`${telesignUrl}/v1/omnichannel`, () => HttpResponse.error()));
    const from = capturedLines.length;
    const { status, json } = await call(oktaRequest());
    expect(status).toBe(200);
    expect(json.error).toEqual({
      errorSummary: "Message provider unreachable",
      errorCauses: [
        { errorSummary: "Message provider unreachable", reason: "Telesign could not be reached", location: "EN-US" },
      ],
    });
    expect(logLinesSince(from)).toMatchObject([{ level: "error", outcome: "unreachable" }]);
  });

  it("answers 'Message provider timed out' within the deadline when Telesign hangs", async () => {
    // The simulator hangs for 5 s and then answers 3500: "timed out" is the answer of the deadline,
    // given while Telesign's step had not resolved (the benchmark measures how precisely it fires).
    const { call } = startHook({ TELESIGN_TIMEOUT_MS: "300" });
    const { status, json } = await call(oktaRequest({ phoneNumber: "+15555550408" }));
    expect(status).toBe(200);
    expect(json.error).toEqual({
      errorSummary: "Message provider timed out",
      errorCauses: [
        {
          errorSummary: "Message provider timed out",
          reason: expect.stringMatching(/^Telesign did not answer within \d+ ms$/),
          location: "EN-US",
        },
      ],
    });
  });

  it("answers within the deadline when Telesign sends headers and then never finishes the body", async () => {
    const { call } = startHook({ TELESIGN_TIMEOUT_MS: "300" });
    server.use(
      http.post(`${telesignUrl}/v1/omnichannel`, () => {
        const stream = new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"status":{"code":30'));
          },
        });
        return new HttpResponse(stream, { status: 200, headers: { "content-type": "application/json" } });
      }),
    );
    // The body never ends: an answer at all was given before Telesign's step resolved.
    const { json } = await call(oktaRequest());
    expect(json.error.errorSummary).toBe("Message provider timed out");
  });
});
describe("the message text is Okta's code message, nothing else", () => {
  it.each([
    [
      "a text without Okta's code (a phishing text)",
      { otpCode: "731904", msgTemplate: "Your account is locked: visit https://evil.example" },
    ],
    [
      "a text longer than any Okta template",
      { otpCode: "731904", msgTemplate: `Your code is 731904 ${"x".repeat(maxMessageTextLength)}` },
    ],
  ])("refuses %s with an Okta error, never reaches Telesign, and logs no text", async (_, profile) => {
    const { simulator, call } = startHook();
    const from = capturedLines.length;
    const { status, json } = await call(oktaRequest(profile));
    expect(status).toBe(200);
    expect(json.error.errorSummary).toBe("Message blocked");
    expect(simulator.received).toEqual([]);
    const lines = logLinesSince(from);
    expect(lines).toMatchObject([{ level: "warn", outcome: "blocked", rule: "message_text" }]);
    expect(JSON.stringify(lines)).not.toMatch(/evil|xxxx|731904/);
  });

  it(`accepts Okta's own message up to ${maxMessageTextLength} characters`, async () => {
    const { simulator, call } = startHook();
    const longest = `Your code is 731904.${"é".repeat(maxMessageTextLength - 20)}`;
    expect((await call(oktaRequest({ otpCode: "731904", msgTemplate: longest }))).json.commands).toBeDefined();
    expect(simulator.sentBodies()).toHaveLength(1);
  });
});

describe("the deadline holds whatever the client or a dependency does", () => {
  it("a body trickled over seconds gets an answer inside the deadline, and Telesign is never called", async () => {
    const { simulator, call } = startHook({ TELESIGN_TIMEOUT_MS: "300" });
    const trickle = trickledBody(JSON.stringify(oktaRequest()));
    const from = capturedLines.length;
    const { status, json } = await call(null, { rawBody: trickle.stream });
    trickle.stop();
    expect(status).toBe(408);
    expect(json.error.errorSummary).toBe("Request too slow");
    expect(simulator.received).toEqual([]);
    expect(logLinesSince(from)).toMatchObject([{ outcome: "too_slow" }]);
  });

  it("a declared content-length is not trusted: the bytes that arrive are counted", async () => {
    const { simulator, call } = startHook();
    const oversized = JSON.stringify(oktaRequest({ padding: "x".repeat(maxRequestBytes) }));
    const { status } = await call(null, {
      rawBody: oversized,
      headers: { authorization: oktaSecret, "content-length": "100" },
    });
    expect(status).toBe(413);
    expect(simulator.received).toEqual([]);
  });

  it("a step that hangs (a broken duplicate guard) still gets Okta a valid answer before its 3 seconds", async () => {
    const simulator = useTelesignSimulator();
    const hanging = {
      claim: () => new Promise<never>(() => {}),
      deleteClaimsBefore: async () => ({ done: 0, complete: true }),
    };
    const hook = createTelephonyHook({
      config: parseConfig({ ...baseEnv, TELESIGN_TIMEOUT_MS: "300" }),
      duplicates: hanging,
    });
    const from = capturedLines.length;
    const response = await hook(oktaPost());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ error: { errorSummary: "Hook timed out" } });
    expect(simulator.received).toEqual([]);
    expect(logLinesSince(from)).toMatchObject([{ level: "error", outcome: "hook_timeout" }]);
  });
});

describe("configuration errors", () => {
  it.each([
    [
      "no secrets in header mode",
      { OKTA_AUTH_SECRETS: undefined },
      "OKTA_AUTH_SECRETS is required when OKTA_AUTH_MODE is header",
    ],
    [
      "an empty secret list",
      { OKTA_AUTH_SECRETS: " , " },
      "OKTA_AUTH_SECRETS is required when OKTA_AUTH_MODE is header",
    ],
    ["no API key", { TELESIGN_API_KEY: undefined }, "TELESIGN_API_KEY is required when OKTA_AUTH_MODE is header"],
    [
      "an unknown auth mode",
      { OKTA_AUTH_MODE: "none" },
      "OKTA_AUTH_MODE must be header, passthrough or oauth (the rest is checked as for header)",
    ],
    [
      "a timeout that is not a number",
      { TELESIGN_TIMEOUT_MS: "soon" },
      "TELESIGN_TIMEOUT_MS must be a number of milliseconds",
    ],
  ])("%s: Okta gets 'Hook not configured', the log says why, Telesign is not called", async (_, env, problem) => {
    const { simulator, call } = startHook(env);
    const from = capturedLines.length;
    const { status, json } = await call(oktaRequest());
    expect(status).toBe(200);
    expect(json).toEqual({
      error: {
        errorSummary: "Hook not configured",
        errorCauses: [
          { errorSummary: "Hook not configured", reason: "The hook's configuration is incomplete", location: "" },
        ],
      },
    });
    expect(simulator.received).toEqual([]);
    expect(logLinesSince(from)).toMatchObject([{ level: "error", outcome: "misconfigured", problems: [problem] }]);
  });
});

describe("requests that are not Okta telephony requests", () => {
  const invalid = (causes: { location: string; reason: string }[]) => ({
    error: {
      errorSummary: "Not a valid Okta request",
      errorCauses: causes.map((cause) => ({ errorSummary: "Not a valid Okta request", ...cause })),
    },
  });

  it.each([
    ["not JSON", "{not json", [{ location: "(body)", reason: "must be a JSON object" }]],
    ["empty", "", [{ location: "(body)", reason: "must be a JSON object" }]],
    ["a JSON array", "[]", [{ location: "(body)", reason: "must be a JSON object" }]],
    ["a JSON string", '"hello"', [{ location: "(body)", reason: "must be a JSON object" }]],
    ["an object without data", "{}", [{ location: "data", reason: "is required" }]],
    ["data without messageProfile", '{"data":{}}', [{ location: "data.messageProfile", reason: "is required" }]],
  ])("a body that is %s gets 'Not a valid Okta request'", async (_, rawBody, causes) => {
    const { simulator, call } = startHook();
    const { status, json } = await call(null, { rawBody });
    expect(status).toBe(200);
    expect(json).toEqual(invalid(causes));
    expect(simulator.received).toEqual([]);
  });

  it.each([
    [{ phoneNumber: undefined }, "data.messageProfile.phoneNumber", "is required"],
    [{ phoneNumber: 9876543210 }, "data.messageProfile.phoneNumber", "must be a string"],
    [{ phoneNumber: "+1 555 CALL NOW" }, "data.messageProfile.phoneNumber", "must be a phone number of 7 to 15 digits"],
    [{ phoneNumber: "12345" }, "data.messageProfile.phoneNumber", "must be a phone number of 7 to 15 digits"],
    [
      { phoneNumber: "+1234567890123456" },
      "data.messageProfile.phoneNumber",
      "must be a phone number of 7 to 15 digits",
    ],
    [{ deliveryChannel: undefined }, "data.messageProfile.deliveryChannel", "is required"],
    [{ deliveryChannel: "WhatsApp" }, "data.messageProfile.deliveryChannel", "must be SMS or a voice call"],
    [{ msgTemplate: undefined }, "data.messageProfile.msgTemplate", "is required for SMS"],
    [{ msgTemplate: "  " }, "data.messageProfile.msgTemplate", "is required for SMS"],
    [{ msgTemplate: 42 }, "data.messageProfile.msgTemplate", "must be a string"],
    [{ deliveryChannel: "voice", otpCode: undefined }, "data.messageProfile.otpCode", "is required for voice"],
    [
      { deliveryChannel: "voice", otpCode: "12 34" },
      "data.messageProfile.otpCode",
      "must be 1 to 20 letters or digits",
    ],
    [
      { deliveryChannel: "voice", otpCode: Number("12345678901234567890") },
      "data.messageProfile.otpCode",
      "must be 1 to 20 letters or digits",
    ],
    [{ deliveryChannel: "voice", otpCode: -1 }, "data.messageProfile.otpCode", "must be 1 to 20 letters or digits"],
  ])("%j is refused at %s: %s", async (profile, location, reason) => {
    const { simulator, call } = startHook();
    const { status, json } = await call(oktaRequest(profile));
    expect(status).toBe(200);
    expect(json).toEqual(invalid([{ location, reason }]));
    expect(simulator.received).toEqual([]);
  });

  it("names every failing field at once, and none of their values", async () => {
    const { call } = startHook();
    const { json } = await call(oktaRequest({ phoneNumber: "+1 555 CALL NOW", deliveryChannel: "pigeon" }));
    expect(json).toEqual(
      invalid([
        { location: "data.messageProfile.phoneNumber", reason: "must be a phone number of 7 to 15 digits" },
        { location: "data.messageProfile.deliveryChannel", reason: "must be SMS or a voice call" },
      ]),
    );
    expect(JSON.stringify(json)).not.toMatch(/CALL NOW|pigeon/);
  });

  it("does not fail a delivery on malformed descriptive fields", async () => {
    const { simulator, call } = startHook();
    const { json } = await call(
      oktaRequest({ locale: 7 }, { eventId: 12, requestType: ["x"], data: { ...oktaRequest().data, context: "?" } }),
    );
    expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
    expect(simulator.sentBodies()[0]).not.toHaveProperty("external_id");
  });
});

describe("HTTP edges", () => {
  it.each(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])(
    "%s gets 405 with Allow: POST and an Okta error",
    async (method) => {
      const { simulator, call } = startHook();
      const { response, status, json } = await call(oktaRequest(), { method });
      expect(status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(json.error.errorSummary).toBe("Method not allowed");
      expect(simulator.received).toEqual([]);
    },
  );

  it("refuses a body over the limit with 413, whether or not it declares its length", async () => {
    const { simulator, call } = startHook();
    const huge = JSON.stringify(oktaRequest({ msgTemplate: "x".repeat(maxRequestBytes) }));
    const declared = await call(null, {
      rawBody: huge,
      headers: { authorization: oktaSecret, "content-length": String(huge.length) },
    });
    const streamed = await call(null, { rawBody: huge });
    for (const { status, json } of [declared, streamed]) {
      expect(status).toBe(413);
      expect(json.error.errorSummary).toBe("Request too large");
    }
    expect(simulator.received).toEqual([]);
  });

  it("accepts a body just under the limit", async () => {
    const { call } = startHook();
    const body = oktaRequest();
    const padding = maxRequestBytes - JSON.stringify(body).length - 20;
    const { status } = await call({ ...body, padding: "p".repeat(padding) });
    expect(status).toBe(200);
  });

  it("answers JSON that is never cached", async () => {
    const { response } = await startHook().call(oktaRequest());
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });
});

describe("logs", () => {
  it("writes one JSON line per request with what an admin needs, and the phone masked", async () => {
    const { simulator, call } = startHook();
    const from = capturedLines.length;
    await call(oktaRequest({ phoneNumber: "+1 (555) 555-3210" }));
    const [message] = simulator.messages.values();
    expect(logLinesSince(from)).toEqual([
      {
        time: expect.any(String),
        level: "info",
        message: "okta telephony request",
        eventId: "uS5871kJThSsU8qlA1LTcg",
        oktaRequestId: "reqRgSk8IBBRhuo0YdlEDTmUw",
        requestType: "com.okta.user.telephony.pre-enrollment",
        channel: "sms",
        phone: "+1******3210",
        referenceId: message?.referenceId,
        telesignCode: 3001,
        telesignHttpStatus: 200,
        outcome: "accepted",
        durationMs: expect.any(Number),
      },
    ]);
  });

  it("logs a rejected send with Telesign's code and HTTP status", async () => {
    const { call } = startHook();
    const from = capturedLines.length;
    await call(oktaRequest({ phoneNumber: "+15555553204" }));
    expect(logLinesSince(from)).toMatchObject([
      { level: "warn", outcome: "rejected", telesignCode: 3204, telesignHttpStatus: 429, phone: "+1******3204" },
    ]);
  });

  it("logs the failing fields of an invalid request, not their values", async () => {
    const { call } = startHook();
    const from = capturedLines.length;
    await call(oktaRequest({ phoneNumber: "+1 555 CALL NOW" }));
    const [line] = logLinesSince(from);
    expect(line).toMatchObject({
      outcome: "invalid_request",
      issues: ["data.messageProfile.phoneNumber must be a phone number of 7 to 15 digits"],
    });
    expect(JSON.stringify(line)).not.toContain("CALL NOW");
  });
});
