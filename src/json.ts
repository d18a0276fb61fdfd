/** The value of a JSON text, or undefined when the text is not JSON. */
export function jsonValueOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
