import { describe, expect, it } from "vitest";
import { maskPhoneNumber, telesignPhoneNumber } from "../src/mapping/phone-number.ts";

describe("telesignPhoneNumber", () => {
  it.each([
    ["+15555551212", "15555551212"],
    ["+1 (555) 555-1212", "15555551212"],
    ["9876543210", "9876543210"],
    ["+44 20 7946 0958", "442079460958"],
    ["+33 1.23.45.67.89", "33123456789"],
    ["  +4930/901820 ", "4930901820"],
  ])("%j → %s", (input, digits) => {
    expect(telesignPhoneNumber(input)).toBe(digits);
  });

  it.each([
    "",
    "+",
    "123456",
    "1234567890123456",
    "+1 555 CALL NOW",
    "1+5555551212",
    "++15555551212",
    "+1 555 555 1212 x12",
  ])("%j is not a phone number", (input) => {
    expect(telesignPhoneNumber(input)).toBeUndefined();
  });
});

describe("maskPhoneNumber", () => {
  it.each([
    ["15555553210", "+1******3210"],
    ["442079460958", "+44******0958"],
    ["4930901820", "+49****1820"],
    ["3531234567890", "+353******7890"],
    ["9876543210", "+98****3210"],
    // Short numbers: at least four digits stay hidden.
    ["12345678", "+******78"],
    ["1234567", "+*****67"],
  ])("%s → %s", (digits, masked) => {
    expect(maskPhoneNumber(digits)).toBe(masked);
  });

  it("never shows more than the country code and four digits", () => {
    for (let length = 7; length <= 15; length++) {
      const digits = "1234567890123456".slice(0, length);
      const shown = maskPhoneNumber(digits).replace(/[^0-9]/g, "");
      expect(length - shown.length).toBeGreaterThanOrEqual(4);
    }
  });
});
