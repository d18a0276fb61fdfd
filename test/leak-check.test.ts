import { describe, expect, it } from "vitest";
import { findSensitive, markSensitive } from "./support/sensitive.ts";

/** The log-leak check itself: it fails for a real leak, and only for one, at any time of day. */
describe("the log-leak check", () => {
  it.each(["42", "1111", "-1"])("refuses to register %j, a value a timestamp or a number can hold", (value) => {
    expect(() => markSensitive(value)).toThrow(/5\+ characters/);
  });

  it("never takes a timestamp, a hex id or a longer number for a registered code", () => {
    markSensitive("42424", "11111");
    for (const innocent of [
      '{"time":"2042-04-24T04:42:42.424Z"}',
      '{"time":"2011-11-11T11:11:11.111Z"}',
      '{"referenceId":"42424A0B11111C0D"}',
      '{"durationMs":111110,"count":424242}',
    ]) {
      expect(findSensitive(innocent)).toEqual([]);
    }
  });

  it("finds a registered value wherever it stands as a whole token", () => {
    markSensitive("731904", "+15555550100");
    expect(findSensitive('{"code":"731904"}')).toEqual(["731904"]);
    expect(findSensitive("sent 731904 to +15555550100.")).toEqual(["731904", "+15555550100"]);
  });
});
