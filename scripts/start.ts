/**
 * `npm start`: the hook on Netlify's local emulation, sending to the built-in Telesign
 * simulator. Nothing real is sent and no Telesign account is needed. Ctrl-C stops it all.
 *
 * `npm run start:live` (`--live`): the hook alone, configured from `.env`, sending through the
 * real Telesign.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { SimulatedMessage } from "../simulator/telesign-simulator.ts";
import { scenarios } from "../simulator/telesign-simulator.ts";
import { buildFunctions } from "./build.ts";
import { projectRoot, spawnEmulator, startLocalStack, stopEmulator } from "./local-stack.ts";

const { values: options } = parseArgs({
  options: {
    port: { type: "string", default: "8888" },
    "simulator-port": { type: "string", default: "8787" },
    "delivery-delay": { type: "string", default: "2000" },
    "callback-url": { type: "string" },
    "no-callbacks": { type: "boolean", default: false },
    live: { type: "boolean", default: false },
  },
});
const port = Number(options.port);

if (options.live) await startLive();
else await startWithSimulator();

async function startWithSimulator() {
  console.log("Starting the hook on Netlify's local emulation, with the Telesign simulator…");
  const stack = await startLocalStack({
    port,
    simulatorPort: Number(options["simulator-port"]),
    simulator: {
      deliveryDelayMs: Number(options["delivery-delay"]),
      // Telesign's callbacks go to the local callback function unless told otherwise.
      callbackUrl: options["no-callbacks"]
        ? undefined
        : (options["callback-url"] ?? `http://127.0.0.1:${port}/.netlify/functions/telesign-callback`),
      onMessage: printInbox,
      onCallback: (message, httpStatus) =>
        console.log(`telesign │ callback for ${message.referenceId} → ${httpStatus || "no answer"}`),
    },
    onOutput: (line) => console.log(`hook     │ ${line}`),
  });
  const authHeader = `${stack.headerName}: ${stack.secret}`;
  console.log(`
Okta telephony hook   ${stack.url}
Auth header           ${authHeader}
Telesign simulator    ${stack.telesign.url}

Try it:
  curl -s ${stack.url} \\
    -H 'content-type: application/json' -H '${authHeader}' \\
    -d @test/fixtures/okta/sms-pre-enrollment.json

  npm run preview                     # one request, as Okta's Preview tab sends it
  npm run preview -- --channel voice  # a voice call
  npm run preview -- --all            # every request type and channel
  npm run preview -- --wait           # then follow its delivery status (callback → status)

Simulator scenarios (phone numbers ending in):
${Object.entries(scenarios)
  .map(([ending, scenario]) => `  …${ending}  ${scenario.describe}`)
  .join("\n")}
  any other number: accepted, then delivered

Ctrl-C stops everything.
`);
  onExit(() => stack.stop());
}

async function startLive() {
  if (!existsSync(path.join(projectRoot, ".env"))) {
    console.error(
      "npm run start:live reads .env: copy .env.example to .env and fill in your Telesign and Okta values.",
    );
    process.exit(1);
  }
  console.log(`Starting the hook on Netlify's local emulation with .env: it sends REAL messages through Telesign.
Okta telephony hook   http://127.0.0.1:${port}/.netlify/functions/telesign
`);
  // Netlify's emulation reads .env itself, as it does for `netlify dev`.
  await buildFunctions();
  const emulator = spawnEmulator(port, {});
  emulator.stdout?.pipe(process.stdout);
  emulator.stderr?.pipe(process.stderr);
  emulator.on("exit", (code) => process.exit(code ?? 0));
  onExit(async () => stopEmulator(emulator));
}

function printInbox(message: SimulatedMessage) {
  const what =
    message.channel === "sms" ? `"${message.content}"` : `spoken code ${message.content} (${message.language ?? "en"})`;
  console.log(
    `telesign │ 📨 ${message.channel.toUpperCase()} to +${message.phoneNumber}: ${what}  [${message.referenceId}]`,
  );
}

function onExit(stop: () => Promise<void>) {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      console.log("\nStopping…");
      await stop();
      process.exit(0);
    });
  }
}
