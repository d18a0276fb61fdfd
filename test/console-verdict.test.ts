import { describe, expect, it } from "vitest";
import type { CodeRecord } from "../src/console/console-records.ts";
import { parseLookup } from "../src/console/lookup-query.ts";
import { durationText, verdictOf } from "../src/console/verdict.ts";

/** What the helpdesk reads of each code: one plain sentence, from the record and the time now. */

const asked = "2026-12-06T10:00:00.000Z";
const now = new Date("2026-12-06T10:14:05.000Z");
const record = (change: Partial<CodeRecord>): CodeRecord => ({
  eventId: "evt",
  requestedAt: asked,
  outcome: "accepted",
  reports: [],
  ...change,
});
const report = (code: number, description: string, at: string) => ({ code, description, at });

describe("verdicts", () => {
  it.each<[string, Partial<CodeRecord>, string, string]>([
    [
      "delivered",
      { reports: [report(3000, "Delivered", "2026-12-06T10:00:04.200Z")] },
      "delivered",
      "Delivered to the handset 4 s after Okta asked",
    ],
    ["no report yet", {}, "pending", "Telesign accepted it; no delivery report yet (14 min)"],
    [
      "still in progress",
      { reports: [report(3002, "Handed to the carrier", "2026-12-06T10:00:02.000Z")] },
      "pending",
      "Telesign accepted it; no delivery report yet (14 min)",
    ],
    [
      "failed at the carrier",
      { reports: [report(3031, "Delivery failed", "2026-12-06T10:00:09.000Z")] },
      "failed",
      "Failed at the carrier: 3031 Delivery failed",
    ],
    [
      "delivered after a failure report (a late, better report wins)",
      {
        reports: [
          report(3031, "Delivery failed", "2026-12-06T10:00:09.000Z"),
          report(3000, "Delivered", "2026-12-06T10:01:00.000Z"),
        ],
      },
      "delivered",
      "Delivered to the handset 1 min after Okta asked",
    ],
    [
      "blocked by a rate limit",
      { outcome: "blocked", rule: "rate_limit", scope: "number/1h" },
      "blocked",
      "Blocked by the toll-fraud guard (rate limit for this number)",
    ],
    [
      "blocked by country",
      { outcome: "blocked", rule: "country" },
      "blocked",
      "Blocked by the toll-fraud guard (a country the org does not send to)",
    ],
    [
      "blocked by a rule this page does not know",
      { outcome: "blocked", rule: "moon_phase" },
      "blocked",
      "Blocked by the toll-fraud guard (moon_phase)",
    ],
    ["blocked, with no rule recorded", { outcome: "blocked" }, "blocked", "Blocked by the toll-fraud guard (a rule)"],
    [
      "Telesign too slow",
      { outcome: "timeout" },
      "fallback",
      "The hook could not reach Telesign in time: Okta may then have sent it through its own provider (check System Log system.sms.send_*)",
    ],
    [
      "the hook itself past its deadline (not Telesign), by voice",
      { outcome: "hook_timeout", channel: "voice" },
      "fallback",
      "The hook did not finish in time: Okta may then have sent it through its own provider (check System Log system.voice.send_*)",
    ],
    [
      "Telesign refused",
      { outcome: "rejected", telesign: { code: 3101, description: "Invalid value for parameter phone_number" } },
      "fallback",
      "Telesign refused it: 3101 Invalid value for parameter phone_number: Okta may then have sent it through its own provider (check System Log system.sms.send_*)",
    ],
    [
      "an outcome of a later version",
      { outcome: "quota_exceeded" },
      "fallback",
      "The hook answered Okta with an error (quota_exceeded): Okta may then have sent it through its own provider (check System Log system.sms.send_*)",
    ],
  ])("%s", (_, change, kind, text) => {
    expect(verdictOf(record(change), now)).toEqual({ kind, text });
  });

  it.each([
    [400, "0 s"],
    [4_000, "4 s"],
    [14 * 60_000 + 5_000, "14 min"],
    [2 * 3_600_000 + 5 * 60_000, "2 h 5 min"],
    [3 * 86_400_000, "3 d"],
    [-5_000, "0 s"],
  ])("%i ms reads %s", (ms, text) => {
    expect(durationText(ms)).toBe(text);
  });
});

describe("what an agent types", () => {
  it.each([
    ["ada@example.com", null, { kind: "user", value: "ada@example.com" }],
    ["00uyxxSknGtK8022w0g3", null, { kind: "user", value: "00uyxxSknGtK8022w0g3" }],
    ["jdoe", null, { kind: "user", value: "jdoe" }],
    ["+44 7700 900123", null, { kind: "phone", value: "447700900123" }],
    ["(555) 010-0199", "phone", { kind: "phone", value: "5550100199" }],
    ["uS5871kJThSsU8qlA1LTcg", null, { kind: "event", value: "uS5871kJThSsU8qlA1LTcg" }],
    ["0123456789abcdef0123456789abcdef", null, { kind: "reference", value: "0123456789ABCDEF0123456789ABCDEF" }],
  ])("%s (by %s)", (text, by, query) => {
    expect(parseLookup(text, by)).toEqual({ ok: true, query });
  });

  it.each([
    ["", null, "Type a login, user id, phone number, eventId or transaction id."],
    ["x".repeat(201), null, "That is longer than 200 characters."],
    ["ada@example.com", "phone", "Type the full number with its country code, e.g. +1 555 010 0199."],
    ["ada@example.com", "reference", "A transaction id is 32 hexadecimal digits."],
    ["ada@example.com", "password", "Choose what you are searching by."],
  ])("refuses %j by %s", (text, by, problem) => {
    expect(parseLookup(text, by)).toEqual({ ok: false, problem });
  });
});
