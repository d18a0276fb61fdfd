import { describe, expect, it } from "vitest";
import { voiceLanguage } from "../src/mapping/voice-language.ts";

describe("voiceLanguage", () => {
  it.each([
    ["EN-US", "en"],
    ["en", "en"],
    ["en-GB", "en"],
    ["fr-CA", "fr"],
    ["FR_fr", "fr"],
    ["es-419", "es"],
    ["zh-Hant-TW", "zh"],
    ["nb-NO", "no"],
    ["iw", "he"],
    ["in-ID", "id"],
    [" de ", "de"],
  ])("%j → %s", (locale, language) => {
    expect(voiceLanguage(locale)).toBe(language);
  });

  it.each([undefined, "", "xx", "tlh-KLINGON", "-", "en-"])("falls back to English for %j", (locale) => {
    expect(voiceLanguage(locale)).toBe("en");
  });
});
