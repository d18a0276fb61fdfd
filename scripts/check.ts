/**
 * `npm run check`: the functions' configuration judged by their own parsers before the first
 * sign-in. Reads the environment, or `--env-file`; prints every variable as set, unset, missing
 * or invalid (never its value) with what is wrong and how to fix it. Exit 1 on any problem.
 */

import { existsSync } from "node:fs";
import { checkConfiguration, describeConfiguration } from "../admin/configuration-check.ts";
import { exitCodes, fail, parseCommandLine, readEnvFile } from "../tools/command-line.ts";

const usage = `Usage: npm run check -- [options]

Checks the hook's configuration with the functions' own parser, as Netlify will run them.
Values are never printed. Exit code 0 when the functions can run with it, 1 when not, 2 on a
usage error.

Options:
  --env-file <file>   read the variables from this file (default: this process's environment)
  --json              print the report as one JSON object
  --help              this text

Examples:
  npm run check -- --env-file .env
  netlify env:list --plain --context production > prod.env && npm run check -- --env-file prod.env`;

const options = parseCommandLine(
  usage,
  { "env-file": { type: "string" }, json: { type: "boolean", default: false } },
  (values) => ({ envFile: values["env-file"] as string | undefined, json: values.json === true }),
);
// A missing file is a failure to say in one line (exit 1), as start:live says it, not a usage error.
if (options.envFile !== undefined && !existsSync(options.envFile)) {
  fail(`--env-file ${options.envFile}: no such file; give a file of NAME=value lines`);
}

const env = options.envFile === undefined ? process.env : await readEnvFile(options.envFile);
const report = checkConfiguration(env);
if (options.json) console.log(JSON.stringify(report, null, 2));
else console.log(describeConfiguration(report, options.envFile ?? "the environment"));
process.exit(report.ok ? exitCodes.done : exitCodes.failed);
