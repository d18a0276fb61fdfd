/**
 * Structured logs: one JSON line per event. Callers pass only what is safe to keep: ids, codes,
 * masked phone numbers. Never the code, `msgTemplate`, a full phone number, a secret or a header.
 */

export type LogLevel = "info" | "warn" | "error";

export type LogFields = Record<string, string | number | boolean | string[] | undefined>;

export type Logger = (level: LogLevel, message: string, fields: LogFields) => void;

export const jsonLogger: Logger = (level, message, fields) => {
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  if (level === "info") console.log(line);
  else if (level === "warn") console.warn(line);
  else console.error(line);
};
