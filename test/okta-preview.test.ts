import { describe, expect, it } from "vitest";
import { judgeAnswer, previewRequest, requestTypeOf } from "../preview/okta-preview.ts";
import { parseTelephonyRequest } from "../src/okta/telephony-request.ts";

const action = (status: string) =>
  JSON.stringify({ commands: [{ type: "com.okta.telephony.action", value: [{ status, provider: "Telesign" }] }] });
const error = JSON.stringify({
  error: { errorSummary: "3101", errorCauses: [{ errorSummary: "3101", reason: "x", location: "EN-US" }] },
});

describe("judgeAnswer: what Okta does with an answer", () => {
  it.each([
    ["SUCCESSFUL", { httpStatus: 200, durationMs: 100, body: action("SUCCESSFUL") }, "accept"],
    ["PENDING", { httpStatus: 200, durationMs: 100, body: action("PENDING") }, "accept"],
    ["FAILED", { httpStatus: 200, durationMs: 100, body: action("FAILED") }, "fall back"],
    ["an error object", { httpStatus: 200, durationMs: 100, body: error }, "fall back"],
    ["HTTP 401", { httpStatus: 401, durationMs: 100, body: error }, "skip"],
    ["HTTP 500", { httpStatus: 500, durationMs: 100, body: action("SUCCESSFUL") }, "skip"],
    ["a redirect", { httpStatus: 302, durationMs: 100, body: "" }, "skip"],
    ["no answer", { httpStatus: 0, durationMs: 5000, body: "" }, "skip"],
    ["HTML", { httpStatus: 200, durationMs: 100, body: "<html></html>" }, "skip"],
    ["an unknown status", { httpStatus: 200, durationMs: 100, body: action("OK") }, "skip"],
    [
      "an empty value array",
      { httpStatus: 200, durationMs: 100, body: '{"commands":[{"type":"com.okta.telephony.action","value":[]}]}' },
      "skip",
    ],
    [
      "the wrong command type",
      { httpStatus: 200, durationMs: 100, body: '{"commands":[{"type":"x","value":[{"status":"SUCCESSFUL"}]}]}' },
      "skip",
    ],
    ["an error without errorSummary", { httpStatus: 200, durationMs: 100, body: '{"error":{}}' }, "skip"],
    [
      "Okta's malformed OpenAPI example (an array)",
      { httpStatus: 200, durationMs: 100, body: '{"error":[{"errorSummary":"x"}]}' },
      "skip",
    ],
    ["a late answer", { httpStatus: 200, durationMs: 3001, body: action("SUCCESSFUL") }, "skip"],
    [
      "a body of 256 KB",
      { httpStatus: 200, durationMs: 100, body: action("SUCCESSFUL").replace("Telesign", "x".repeat(256 * 1024)) },
      "skip",
    ],
  ])("%s → %s", (_, answer, verdict) => {
    expect(judgeAnswer(answer).verdict).toBe(verdict);
  });

  it("names the failed check", () => {
    const { checks } = judgeAnswer({ httpStatus: 200, durationMs: 3500, body: action("SUCCESSFUL") });
    expect(checks.filter((check) => !check.ok).map((check) => check.check)).toEqual(["answered within 3 s"]);
  });
});

describe("previewRequest", () => {
  const now = new Date("2026-01-05T10:00:00.000Z");
  const request = previewRequest({
    requestType: "com.okta.user.telephony.account-unlock",
    channel: "voice",
    phoneNumber: "+15555550100",
    locale: "fr-CA",
    otpCode: "004211",
    now,
  });

  it("is built as Okta's Preview builds it", () => {
    expect(request).toMatchObject({
      eventTime: "2026-01-05T10:00:00.000Z",
      eventType: "com.okta.telephony.provider",
      requestType: "com.okta.user.telephony.account-unlock",
      data: {
        context: {
          request: { url: { value: "/api/internal/v1/inlineHooks/com.okta.telephony.provider/generatePreview" } },
        },
        messageProfile: {
          msgTemplate: "(HOOK)Your code is 004211",
          phoneNumber: "+15555550100",
          otpExpires: "2026-01-05T10:05:00.000Z",
          deliveryChannel: "voice call",
          otpCode: "004211",
          locale: "fr-CA",
        },
      },
    });
  });

  it("has a fresh eventId each time", () => {
    const again = previewRequest({
      requestType: "x",
      channel: "sms",
      phoneNumber: "+15555550100",
      locale: "en",
      otpCode: "1",
    });
    expect(again.eventId).not.toBe(request.eventId);
  });

  it("is a valid request for the hook", () => {
    expect(parseTelephonyRequest(request)).toMatchObject({
      ok: true,
      request: { delivery: { channel: "voice", otpCode: "004211" } },
    });
  });
});

describe("requestTypeOf: what --type names", () => {
  it.each([
    ["enrollment", "com.okta.user.telephony.pre-enrollment"],
    ["verification", "com.okta.user.telephony.mfa-verification"],
    ["com.okta.user.telephony.password-reset", "com.okta.user.telephony.password-reset"],
    ["com.okta.user.telephony.future-type", "com.okta.user.telephony.future-type"],
  ])("reads %s", (option, requestType) => {
    expect(requestTypeOf(option)).toBe(requestType);
  });

  it.each(["enrolment", "Enrollment", "toString", "__proto__", ""])("refuses %j, so a typo is never sent", (option) => {
    expect(requestTypeOf(option)).toBeUndefined();
  });
});
