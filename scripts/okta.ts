/** `npm run okta -- <command>`: this hook in an Okta org (see admin/okta-command.ts). */
import { oktaSecretVariables, runOktaCommand } from "../admin/okta-command.ts";
import { messageOf } from "../src/support/error-text.ts";
import { exitCodes } from "./command-line.ts";
import { scrubConsole } from "./secret-values.ts";

scrubConsole([...oktaSecretVariables, "OKTA_SERVICE_PRIVATE_KEY"].map((name) => process.env[name]));

process.exitCode = await runOktaCommand(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
}).catch((error: unknown) => {
  // Every failure the command foresees is already a sentence; anything else still gets one line.
  console.error(`error: ${messageOf(error)}`);
  return exitCodes.failed;
});
