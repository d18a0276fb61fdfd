/**
 * What `npm start` does: the hook on Netlify's local emulation, sending to the built-in Telesign
 * simulator. Nothing real is sent and no Telesign account is needed. Ctrl-C stops it all.
 *
 * What `npm run start:live` (`--live`) does: the hook alone, configured from `.env`, sending through the
 * real Telesign.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { demoUser } from "../simulator/console-traffic.ts";
import type { SimulatedMessage } from "../simulator/telesign-simulator.ts";
import { riskScenarios, scenarios } from "../simulator/telesign-simulator.ts";
import { messageOf } from "../src/support/error-text.ts";
import { fail, parseCommandLine, readEnvFile, UsageError, wholeNumber } from "../tools/command-line.ts";
import { demoAgent, startLocalConsole } from "../tools/local-console.ts";
import { announceLocalHook } from "../tools/local-hooks.ts";
import { localTelesignTimeoutMs, startLocalStack } from "../tools/local-stack.ts";
import { type ServedFunctions, serveFunctions } from "../tools/netlify-emulator.ts";
import { PortInUseError } from "../tools/ports.ts";
import { SecretValueError, scrubConsole, secretsOf } from "../tools/secret-values.ts";
import { stopOnExit } from "../tools/stop-on-exit.ts";
import { checkConfiguration, describeConfiguration } from "./configuration-check.ts";

const usage = `Usage: npm start -- [options]          the hook with the Telesign simulator (nothing real is sent)
       npm run start:live -- [options]  the hook sending through Telesign, configured from .env

Options:
  --port <n>              the functions' port (default 8888)
  --simulator-port <n>    the Telesign simulator's port (default: any free port)
  --delivery-delay <ms>   how long the simulator keeps a message in progress (default 2000)
  --callback-url <url>    where the simulator posts delivery status (default: the local callback function)
  --no-callbacks          the simulator posts no delivery status
  --live                  send through Telesign (what npm run start:live does)
  --env-file <file>       with --live: the variables to use (default .env)
  --help                  this text

Examples:
  npm start
  npm start -- --port 9999          when 8888 is taken (another npm start may be running)
  npm run start:live -- --env-file staging.env`;

/** The command line's options, checked (usage errors end the process with exit 2). */
function parseOptions() {
  return parseCommandLine(
    usage,
    {
      port: { type: "string", default: "8888" },
      "simulator-port": { type: "string", default: "0" },
      "delivery-delay": { type: "string", default: "2000" },
      "callback-url": { type: "string" },
      "no-callbacks": { type: "boolean", default: false },
      live: { type: "boolean", default: false },
      "env-file": { type: "string" },
    },
    (values) => {
      const callbackUrl = values["callback-url"] as string | undefined;
      if (callbackUrl !== undefined && !URL.canParse(callbackUrl)) {
        throw new UsageError(`--callback-url takes a URL, not "${callbackUrl}"`);
      }
      if (values["env-file"] !== undefined && !values.live) throw new UsageError("--env-file goes with --live");
      return {
        port: wholeNumber("port", values.port as string, 1, 65_535),
        simulatorPort: wholeNumber("simulator-port", values["simulator-port"] as string, 0, 65_535),
        deliveryDelayMs: wholeNumber("delivery-delay", values["delivery-delay"] as string, 0, 3_600_000),
        callbackUrl,
        callbacks: !values["no-callbacks"],
        live: values.live === true,
        envFile: (values["env-file"] as string | undefined) ?? ".env",
      };
    },
  );
}

type Options = ReturnType<typeof parseOptions>;

/** The secrets a live run reads from its env file. */
const liveSecretVariables = ["TELESIGN_API_KEY", "OKTA_AUTH_SECRETS", "STATUS_API_TOKENS"];

/** Runs start from the folder npm runs them in: the project's, where `.env` is and `npm run preview` looks. */
const workspace = process.cwd();

/** The command: reads its options from the command line and runs until Ctrl-C (or fails in one line). */
export async function runStart(): Promise<void> {
  const options = parseOptions();
  try {
    if (options.live) await startLive(options);
    else await startWithSimulator(options);
  } catch (error) {
    fail(startupFailure(error, options));
  }
}

async function startWithSimulator(options: Options) {
  console.log("Starting the hook on Netlify's local emulation, with the Telesign simulator…");
  if (existsSync(path.join(workspace, ".env"))) {
    console.log(
      "Ignoring .env: npm start always sends to the simulator. npm run start:live uses .env and sends real messages.",
    );
  }
  const { port } = options;
  const helpdesk = await startLocalConsole();
  const stack = await startLocalStack({
    port,
    simulatorPort: options.simulatorPort,
    env: helpdesk.env,
    simulator: {
      deliveryDelayMs: options.deliveryDelayMs,
      // Telesign's callbacks go to the local callback function unless told otherwise.
      callbackUrl: options.callbacks
        ? (options.callbackUrl ?? `http://127.0.0.1:${port}/.netlify/functions/telesign-callback`)
        : undefined,
      onMessage: printInbox,
      onCallback: (message, httpStatus) =>
        console.log(`telesign │ callback for ${message.referenceId} → ${httpStatus || "no answer"}`),
    },
    onOutput: (line) => console.log(`hook     │ ${line}`),
    onExit: emulatorEnded,
  }).catch(async (error: unknown) => {
    await helpdesk.stop();
    throw error;
  });
  await helpdesk.seed(stack.databaseUrl);
  // The local secret is served to npm run preview by this process, never written to disk.
  const withdraw = await announceLocalHook(stack, workspace);
  const authHeader = `${stack.headerName}: ${stack.secret}`;
  console.log(`
Ready.
Okta telephony hook   ${stack.url}
Auth header           ${authHeader}
Telesign simulator    ${stack.telesign.url} (Telesign budget ${localTelesignTimeoutMs} ms: the local emulation adds its own time)
Helpdesk console      ${stack.siteUrl}/console/
                      signed in as "${demoAgent.name}" through a local stand-in for Okta; demo traffic
                      loaded: look up ${demoUser.login} (a code of each verdict), and
                      test.user@example.com after npm run preview

Try it:
  npm run preview                     # one request, as Okta's Preview tab sends it (a fresh eventId each time)
  npm run preview -- --channel voice  # a voice call
  npm run preview -- --all            # every request type and channel
  npm run preview -- --wait           # then follow its delivery status (callback → status)

  curl -s ${stack.url} \\
    -H 'content-type: application/json' -H '${authHeader}' \\
    -d @test/fixtures/okta/sms-pre-enrollment.json
  (this file has one eventId: a second paste gets the first answer again and sends no new message)

Simulator scenarios (phone numbers ending in):
${[...Object.entries(scenarios), ...Object.entries(riskScenarios)]
  .map(([ending, scenario]) => `  …${ending}  ${scenario.describe}`)
  .join("\n")}
  any other number: accepted, then delivered

Ctrl-C stops everything.
`);
  stopOnExit(async () => {
    await withdraw();
    await stack.stop();
    await helpdesk.stop();
  });
}

async function startLive(options: Options) {
  if (!existsSync(path.resolve(workspace, options.envFile))) {
    fail(
      `${options.envFile} not found: copy .env.example to .env and fill in your Telesign and Okta values, or give --env-file <file>.`,
    );
  }
  const envFile = path.resolve(workspace, options.envFile);
  const variables = await readEnvFile(envFile);
  const env = Object.fromEntries(
    Object.entries(variables).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  // Nothing this run prints carries a secret of the file; one that cannot be used is named, never shown.
  scrubConsole(liveSecretVariables.flatMap((name) => [env[name], ...(env[name]?.split(",") ?? [])]));
  try {
    for (const name of liveSecretVariables) secretsOf(env, name);
  } catch (error) {
    if (error instanceof SecretValueError) fail(`${error.message} Fix it in ${options.envFile}.`);
    throw error;
  }
  // The same check as npm run check: a configuration the functions would refuse never starts.
  const report = checkConfiguration(env);
  if (!report.ok) {
    console.error(describeConfiguration(report, options.envFile));
    fail(`fix ${options.envFile} as shown above, then npm run start:live again.`);
  }
  console.log(`Starting the hook on Netlify's local emulation with ${options.envFile}: it sends REAL messages through Telesign.
Variables from ${options.envFile}: ${Object.keys(env).join(", ") || "none"}
Configuration checked (npm run check): the functions will start with it.`);
  const functions: ServedFunctions = await serveFunctions({
    port: options.port,
    env,
    onOutput: (line) => console.log(`hook     │ ${line}`),
    onExit: emulatorEnded,
  });
  const url = `${functions.baseUrl}/telesign`;
  // No secret in the announcement: npm run preview reads it from the same file, as the hook does.
  const hook = { url, headerName: env.OKTA_AUTH_HEADER?.trim().toLowerCase() || "authorization", envFile };
  const withdraw = await announceLocalHook(hook, workspace);
  console.log(`
Ready.
Okta telephony hook   ${url}

Ctrl-C stops it.
`);
  stopOnExit(async () => {
    await withdraw();
    await functions.stop();
  });
}

function emulatorEnded(code: number | null) {
  fail(`Netlify's emulation stopped (exit code ${code}): see its output above, then npm start again.`);
}

function startupFailure(error: unknown, options: Options): string {
  if (error instanceof PortInUseError) {
    const option = error.port === options.port ? "--port" : "--simulator-port";
    return `port ${error.port} is in use (another npm start may be running): choose another with ${option} <n>, e.g. npm start -- ${option} ${error.port + 1}`;
  }
  return `could not start the local hook: ${messageOf(error)}`;
}

function printInbox(message: SimulatedMessage) {
  const what =
    message.channel === "sms" ? `"${message.content}"` : `spoken code ${message.content} (${message.language ?? "en"})`;
  console.log(
    `telesign │ 📨 ${message.channel.toUpperCase()} to +${message.phoneNumber}: ${what}  [${message.referenceId}]`,
  );
}
