import { readFile } from "node:fs/promises";
import { type ParseArgsConfig, parseArgs, parseEnv } from "node:util";
import { messageOf } from "../src/support/error-text.ts";

/**
 * What the project's commands share: `--help`, usage errors as one line plus the usage (exit 2),
 * failures as one line that says what to do (exit 1), never a stack trace.
 */

export const exitCodes = { done: 0, failed: 1, usage: 2 } as const;

/** A mistake in the command line: the message names the option and what it takes. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export type Values = Record<string, string | boolean | undefined>;

export type ParsedCommandLine<T> =
  | { kind: "values"; values: T }
  | { kind: "help" }
  | { kind: "usage"; message: string };

/** The command line's options: checked values, a request for help, or a usage mistake in one line. */
export function parseOptions<T>(options: Options, check: (values: Values) => T, args: string[]): ParsedCommandLine<T> {
  try {
    const { values } = parseArgs({ args, options: { ...options, help: { type: "boolean" } }, strict: true });
    if (values.help) return { kind: "help" };
    return { kind: "values", values: check(values as Values) };
  } catch (error) {
    // The command's own checks name the option and what it takes; Node's are rewritten.
    return { kind: "usage", message: error instanceof UsageError ? error.message : usageMessageOf(error) };
  }
}

/**
 * A mistake Node's parseArgs found, in one line that never repeats an argument's value: an
 * unquoted `--auth Basic <credential>` leaves the credential as a stray argument, and Node's own
 * message ("Unexpected argument '<credential>'") would print it. Option names may be shown.
 */
function usageMessageOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = messageOf(error);
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return "an unexpected argument (not shown): options take the form --name <value>; quote a value that holds a space, e.g. --auth 'Basic …'";
  }
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    // Option names are lower-case words: anything else may be a value typed in the wrong place.
    const name = /^Unknown option '([^']*)'/.exec(message)?.[1] ?? "";
    return /^--?[a-z][a-z-]{0,29}$/.test(name) ? `Unknown option '${name}'` : "an unknown option (not shown)";
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    // Node names the option alone ("Option '--url <value>' argument missing"): its first sentence.
    const option = /^Option '(--?[A-Za-z][A-Za-z-]*)(?: <value>)?'/.exec(message)?.[1];
    if (option === undefined) return "an option's value is missing or not allowed (not shown)";
    if (/argument missing/.test(message)) return `${option} takes a value`;
    if (/does not take an argument/.test(message)) return `${option} takes no value`;
    return `${option}'s value starts with a dash: give it as ${option}=<value>`;
  }
  return "the command line cannot be read (its arguments are not shown)";
}

/**
 * The command's own arguments, less the first `--`. The package scripts that take `--env-file`
 * end in `--`: Node 20 acts on an `--env-file` anywhere on its command line, the script's
 * arguments included, and ends with its own error (exit 9) when the file is missing; it stops
 * looking at `--`, so the script reads the option and answers for it.
 */
export function commandArgs(argv = process.argv.slice(2)): string[] {
  const end = argv.indexOf("--");
  return end === -1 ? argv : [...argv.slice(0, end), ...argv.slice(end + 1)];
}

/**
 * The command line's options, or the process ends: `--help` prints `usage` (exit 0), a mistake
 * prints one line and the usage (exit 2). `check` validates the values, throwing UsageError.
 */
export function parseCommandLine<T>(
  usage: string,
  options: Options,
  check: (values: Values) => T,
  args = commandArgs(),
): T {
  const parsed = parseOptions(options, check, args);
  if (parsed.kind === "values") return parsed.values;
  if (parsed.kind === "help") {
    console.log(usage);
    process.exit(exitCodes.done);
  }
  console.error(`error: ${parsed.message}\n\n${usage}`);
  process.exit(exitCodes.usage);
}

/** A whole number option within bounds, or a UsageError naming it. */
export function wholeNumber(option: string, value: string, minimum: number, maximum: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < minimum || number > maximum) {
    throw new UsageError(`--${option} takes a whole number from ${minimum} to ${maximum}, not "${value}"`);
  }
  return number;
}

/** Ends the process with one line on stderr (exit 1): what failed and what to do. */
export function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(exitCodes.failed);
}

/** The variables of a `.env`-style file, or the process ends saying the file cannot be read. */
export async function readEnvFile(file: string): Promise<Record<string, string | undefined>> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) fail(`${file} cannot be read: give an existing file.`);
  return parseEnv(text);
}
