/** `npm run okta -- <command>`: this hook in an Okta org (see admin/okta-command.ts). */
import { oktaSecretsOf, runOktaCommand } from "../admin/okta-command.ts";
import { messageOf } from "../src/support/error-text.ts";
import { exitCodes } from "../tools/command-line.ts";
import { scrubConsole } from "../tools/secret-values.ts";

// What runOktaCommand does not print itself (the last-resort line below) is scrubbed here.
scrubConsole(oktaSecretsOf(process.env));

process.exitCode = await runOktaCommand(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
}).catch((error: unknown) => {
  // Every failure the command foresees is already a sentence; anything else still gets one line.
  console.error(`error: ${messageOf(error)}`);
  return exitCodes.failed;
});
