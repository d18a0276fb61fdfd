/** Every line written to the console during a test file, in order. */
export const capturedLines: string[] = [];

/** The JSON log lines written since `from` (an index into capturedLines). */
export function logLinesSince(from: number): Record<string, unknown>[] {
  return capturedLines.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function captureConsole(): void {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    console[method] = (...parts: unknown[]) => {
      capturedLines.push(parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(" "));
    };
  }
}
