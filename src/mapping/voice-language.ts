/**
 * Okta's `locale` (`EN-US`, `en`, `fr_CA`, empty or missing) as the language of Telesign's spoken
 * code. One table: the whole tag first, then the bare language, then English. An unknown
 * locale never fails a call.
 */

const defaultVoiceLanguage = "en";

// ISO 639-1 codes, the form of Telesign's own example ("en"); regional tags fall back to these.
const voiceLanguages: Record<string, string> = {
  ar: "ar",
  cs: "cs",
  da: "da",
  de: "de",
  el: "el",
  en: "en",
  es: "es",
  fi: "fi",
  fr: "fr",
  he: "he",
  hi: "hi",
  hu: "hu",
  id: "id",
  it: "it",
  ja: "ja",
  ko: "ko",
  ms: "ms",
  nb: "no",
  nl: "nl",
  no: "no",
  pl: "pl",
  pt: "pt",
  ro: "ro",
  ru: "ru",
  sv: "sv",
  th: "th",
  tr: "tr",
  uk: "uk",
  vi: "vi",
  zh: "zh",
  // Okta's legacy locales and aliases.
  iw: "he",
  in: "id",
};

export function voiceLanguage(locale: string | undefined): string {
  const tag = (locale ?? "").trim().toLowerCase().replaceAll("_", "-");
  const bare = tag.split("-")[0] ?? "";
  return voiceLanguages[tag] ?? voiceLanguages[bare] ?? defaultVoiceLanguage;
}
