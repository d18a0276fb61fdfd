/** `npm run okta -- <command>`: this hook in an Okta org (see admin/okta-command.ts). */
import { runOktaCommand } from "../admin/okta-command.ts";

process.exitCode = await runOktaCommand(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
