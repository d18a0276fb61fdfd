/** Half a surrogate pair: valid in a JavaScript string and in JSON (`"\ud800"`), but not Unicode. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as Unicode: each half of a surrogate pair (outside text, or a cut through an emoji) becomes
 * U+FFFD. Postgres refuses them in JSON, and Neon's endpoint refuses a whole statement that holds one.
 */
export function wellFormed(text: string): string {
  return text.replace(loneSurrogate, "\ufffd");
}

/** `value` as JSON whose every string is well formed: what a jsonb column takes. */
export function wellFormedJson(value: unknown): string {
  return JSON.stringify(value, (_, item: unknown) => (typeof item === "string" ? wellFormed(item) : item));
}
