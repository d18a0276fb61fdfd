import { defaultRequestType, requestTypeNames } from "../preview/okta-preview.ts";
import { messageOf } from "../src/support/error-text.ts";
import { exitCodes, parseOptions, UsageError, type Values } from "../tools/command-line.ts";
import { scrubberOf, secretProblem } from "../tools/secret-values.ts";
import { runConsoleSetup } from "./console-app.ts";
import { previewThroughOkta } from "./hook-preview.ts";
import { setupHook } from "./hook-setup.ts";
import { hookStatus } from "./hook-status.ts";
import { connectToOkta, type OktaConnection, oktaFailure } from "./okta-management.ts";
import { rotateSecret } from "./rotate-secret.ts";
import { type AdminTools, type CommandOutcome, defaultHookName } from "./telephony-hooks.ts";

/**
 * `npm run okta -- <command>`: this hook in an Okta org, through Okta's Management API. The
 * command line's whole behaviour, on injected input and output so that tests run it in-process.
 */

export interface CommandIO {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** How the deployed hook is probed (tests route it to a hook in process). */
  fetch?: typeof fetch;
  newSecret?: () => string;
  /** How a wait for Okta's rate limit passes (tests: without waiting). */
  sleep?: (ms: number) => Promise<void>;
}

const credentialsHelp = `Okta credentials, from the environment:
  OKTA_ORG_URL              your org, e.g. https://example.okta.com
  OKTA_API_TOKEN            an API token of a super admin (Security › API › Tokens), or a service app:
  OKTA_SERVICE_CLIENT_ID    its client id (scopes okta.inlineHooks.read and .manage granted, an admin role)
  OKTA_SERVICE_PRIVATE_KEY  its private key: PEM or JWK text, or the path of a file
  OKTA_SERVICE_KEY_ID       the key's id (kid), if the app has several

Every command takes --json (one JSON object on stdout) and --help.
Exit code: 0 done, 1 failed, 2 usage error.`;

const usage = `Usage: npm run okta -- <command> [options]

Registers and inspects this hook in your Okta org.

Commands:
  setup           register the hook in Okta, or update it (header secret or OAuth 2.0)
  setup --console the helpdesk console's Okta app (npm run okta -- setup --console --help)
  status          the org's telephony hooks, and whether this deploy's is the active one
  preview         Okta's own preview: Okta calls the hook and a REAL message is sent
  rotate-secret   move Okta and the deploy to a new header secret, with no failed sign-in

${credentialsHelp}

npm run okta -- <command> --help shows a command's options.`;

const hookUrlOption = {
  "hook-url": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

interface Command {
  usage: string;
  options: Record<string, { type: "string" | "boolean"; default?: string | boolean }>;
  /** Checks the options (throwing UsageError) before Okta is called, and returns the work to do. */
  prepare(values: Values, io: CommandIO): (tools: AdminTools) => Promise<CommandOutcome>;
}

const commands: Record<string, Command> = {
  setup: {
    usage: `Usage: npm run okta -- setup --hook-url <https URL> [options]

Registers the hook as the org's telephony hook, or updates the one that already calls the URL
(running it again never makes a second). Okta is told a header secret only once the deployed hook
accepts it. With no secret given, one is generated (32 random bytes) and shown once, with the
commands that store it in Netlify.

Options:
  --hook-url <url>     the hook: https://<site>/.netlify/functions/telesign (required)
  --name <name>        the hook's name in Okta (default "${defaultHookName}")
  --replace            deactivate another active telephony hook (Okta allows one)
  --auth header|oauth  how Okta authenticates to the hook (default header)
  --header <name>      header mode: the header Okta sends the secret in (default Authorization)
  --client-id <id>     oauth: the client id of the hook's API Services app
  --token-url <url>    oauth: https://<org>/oauth2/<server>/v1/token
  --scope <scope>      oauth: the scope Okta asks for
  --audience <aud>     oauth: the authorization server's Audience (default api://default)
  --key-id <id>        oauth: private_key_jwt with this hook key (Workflow › Key Management);
                       without it, client_secret_post with OKTA_HOOK_CLIENT_SECRET
  --json, --help

Secrets come from the environment, never the command line:
  OKTA_HOOK_SECRET          header mode: the secret to register (default: a new one)
  OKTA_HOOK_CLIENT_SECRET   oauth, client_secret_post: the app's client secret

Example:
  npm run okta -- setup --hook-url https://my-hook.netlify.app/.netlify/functions/telesign`,
    options: {
      ...hookUrlOption,
      name: { type: "string", default: defaultHookName },
      replace: { type: "boolean", default: false },
      auth: { type: "string", default: "header" },
      header: { type: "string", default: "Authorization" },
      "client-id": { type: "string" },
      "token-url": { type: "string" },
      scope: { type: "string" },
      audience: { type: "string", default: "api://default" },
      "key-id": { type: "string" },
    },
    prepare: (values, io) => {
      const hookUrl = hookUrlOf(values, true) as string;
      const name = values.name as string;
      if (name.trim() === "") throw new UsageError("--name takes a non-empty name");
      const options = { hookUrl, name, replace: values.replace === true, auth: hookAuthOf(values, io.env) };
      return (tools) => setupHook(tools, options);
    },
  },
  status: {
    usage: `Usage: npm run okta -- status [--hook-url <https URL>] [--json]

Lists the org's telephony hooks (name, id, status, URL, authentication; never a secret) and says
whether the one calling this deploy is the active one. Exit code 0 when it is, 1 when not.
Without --hook-url, this deploy's hook is the one whose URL ends in /.netlify/functions/telesign.`,
    options: hookUrlOption,
    prepare: (values) => {
      const hookUrl = hookUrlOf(values, false);
      return (tools) => hookStatus(tools, hookUrl);
    },
  },
  preview: {
    usage: `Usage: npm run okta -- preview --phone <E.164> [options]

Runs Okta's own preview of the active hook: Okta sends the hook a fresh telephony request, the
hook sends a REAL message to the phone, and the verdict says what Okta does with the answer.
Exit code 0 when Okta accepts it, 1 otherwise.

Options:
  --phone <E.164>      the phone that gets the message, e.g. +15555550100 (required)
  --channel sms|voice  default sms
  --type <t>           enrollment | verification | unlock | reset (default ${defaultRequestType})
  --hook-url <url>     which hook, if several call a /.netlify/functions/telesign
  --json, --help`,
    options: {
      ...hookUrlOption,
      phone: { type: "string" },
      channel: { type: "string", default: "sms" },
      type: { type: "string", default: defaultRequestType },
    },
    prepare: (values, io) => {
      const phone = values.phone as string | undefined;
      if (phone === undefined) throw new UsageError("--phone is required: the number that gets a real message");
      if (!/^\+\d{7,15}$/.test(phone))
        throw new UsageError(`--phone takes an E.164 number such as +15555550100, not "${phone}"`);
      const channel = values.channel;
      if (channel !== "sms" && channel !== "voice")
        throw new UsageError(`--channel takes sms or voice, not "${channel}"`);
      const requestType = requestTypeNames[values.type as keyof typeof requestTypeNames];
      if (requestType === undefined) {
        throw new UsageError(`--type takes enrollment, verification, unlock or reset, not "${values.type}"`);
      }
      const announce = values.json === true ? io.err : io.out;
      const options = { hookUrl: hookUrlOf(values, false), phone, channel: channel as "sms" | "voice", requestType };
      return (tools) => previewThroughOkta(tools, options, announce);
    },
  },
  "rotate-secret": {
    usage: `Usage: npm run okta -- rotate-secret [--hook-url <https URL>] [--json]

Moves Okta and the deploy to a new header secret without a failed sign-in, through the hook's two
accepted secrets. Each run checks where things stand (it asks the deployed hook which secrets it
accepts, without sending a message), does the next step it can (updating Okta), and prints the
exact commands for the steps only you can do (Netlify's variable, a deploy). Run it until it says
the rotation is complete.

Environment:
  OKTA_HOOK_SECRET       the secret Okta sends now (required)
  OKTA_HOOK_NEW_SECRET   the secret to move to (the first run generates one and shows it once)`,
    options: hookUrlOption,
    prepare: (values, io) => {
      const options = {
        hookUrl: hookUrlOf(values, false),
        current: io.env.OKTA_HOOK_SECRET?.trim() || undefined,
        next: io.env.OKTA_HOOK_NEW_SECRET?.trim() || undefined,
      };
      return (tools) => rotateSecret(tools, options);
    },
  },
};

/** The secrets the tool reads from the environment: checked before use, never printed. */
const oktaSecretVariables = ["OKTA_API_TOKEN", "OKTA_HOOK_SECRET", "OKTA_HOOK_NEW_SECRET", "OKTA_HOOK_CLIENT_SECRET"];

/** Every secret the tool holds from `env` (the service app's private key too): what it never prints. */
export function oktaSecretsOf(env: CommandIO["env"]): (string | undefined)[] {
  return [...oktaSecretVariables, "OKTA_SERVICE_PRIVATE_KEY"].map((name) => env[name]);
}

export async function runOktaCommand(args: string[], given: CommandIO): Promise<number> {
  // Whatever it prints, the tool prints without the secrets it holds (a generated one is new, and shown on purpose).
  const scrub = scrubberOf(oktaSecretsOf(given.env));
  const io = { ...given, out: (line: string) => given.out(scrub(line)), err: (line: string) => given.err(scrub(line)) };
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.err : io.out)(usage);
    return name === undefined ? exitCodes.usage : exitCodes.done;
  }
  // The helpdesk console's app is a command of its own (admin/console-app.ts).
  if (name === "setup" && rest.includes("--console")) return runConsoleSetup(rest, io);
  const command = commands[name];
  if (command === undefined) {
    io.err(`error: unknown command "${name}": use setup, status, preview or rotate-secret\n\n${usage}`);
    return exitCodes.usage;
  }
  const parsed = parseOptions(command.options, (values) => values, rest);
  if (parsed.kind === "help") {
    io.out(`${command.usage}\n\n${credentialsHelp}`);
    return exitCodes.done;
  }
  if (parsed.kind === "usage") {
    io.err(`error: ${parsed.message}\n\n${command.usage}`);
    return exitCodes.usage;
  }
  const json = parsed.values.json === true;
  const secretIssue = oktaSecretVariables.map((name) => secretProblem(name, io.env[name] ?? "")).find(Boolean);
  if (secretIssue !== undefined) {
    if (json) io.out(JSON.stringify({ error: secretIssue }));
    io.err(`error: ${secretIssue}`);
    return exitCodes.failed;
  }
  let work: (tools: AdminTools) => Promise<CommandOutcome>;
  try {
    // Usage is checked before Okta is called: a typo never reaches the org.
    work = command.prepare(parsed.values, io);
  } catch (error) {
    io.err(`error: ${messageOf(error)}\n\n${command.usage}`);
    return exitCodes.usage;
  }
  let connection: Pick<OktaConnection, "orgUrl" | "credential"> = {
    orgUrl: io.env.OKTA_ORG_URL ?? "",
    credential: { kind: "token" },
  };
  let outcome: CommandOutcome;
  try {
    const okta = await connectToOkta(io.env);
    connection = okta;
    outcome = await work({
      hooks: okta.inlineHooks,
      fetch: io.fetch,
      newSecret: io.newSecret,
      sleep: io.sleep,
      progress: io.err,
    });
  } catch (error) {
    const sentence = oktaFailure(error, connection);
    if (json) io.out(JSON.stringify({ error: sentence }));
    io.err(`error: ${sentence}`);
    return exitCodes.failed;
  }
  if (json) io.out(JSON.stringify(outcome.json, null, 2));
  else if (outcome.error) io.err(`error: ${outcome.text.join("\n")}`);
  else io.out(outcome.text.join("\n"));
  return outcome.ok ? exitCodes.done : exitCodes.failed;
}

function hookUrlOf(values: Values, required: boolean): string | undefined {
  const value = values["hook-url"] as string | undefined;
  if (value === undefined) {
    if (required) throw new UsageError("--hook-url is required: https://<site>/.netlify/functions/telesign");
    return undefined;
  }
  if (!URL.canParse(value) || new URL(value).protocol !== "https:") {
    throw new UsageError(`--hook-url takes the hook's https:// URL (Okta calls https only), not "${value}"`);
  }
  return value.replace(/\/+$/, "");
}

function hookAuthOf(values: Values, env: CommandIO["env"]) {
  if (values.auth === "header") {
    const headerKey = values.header as string;
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(headerKey))
      throw new UsageError(`--header takes a header name, not "${headerKey}"`);
    return { kind: "header" as const, headerKey, secret: env.OKTA_HOOK_SECRET?.trim() || undefined };
  }
  if (values.auth !== "oauth") throw new UsageError(`--auth takes header or oauth, not "${values.auth}"`);
  const missing = ["client-id", "token-url", "scope"].filter((option) => values[option] === undefined);
  if (missing.length > 0)
    throw new UsageError(`--auth oauth needs ${missing.map((option) => `--${option}`).join(", ")}`);
  const tokenUrl = values["token-url"] as string;
  if (!URL.canParse(tokenUrl) || new URL(tokenUrl).protocol !== "https:") {
    throw new UsageError(`--token-url takes an https:// URL, not "${tokenUrl}"`);
  }
  const keyId = values["key-id"] as string | undefined;
  const clientSecret = env.OKTA_HOOK_CLIENT_SECRET?.trim() || undefined;
  return {
    kind: "oauth" as const,
    clientId: values["client-id"] as string,
    tokenUrl,
    scope: values.scope as string,
    audience: values.audience as string,
    ...(keyId === undefined ? { clientSecret } : { keyId }),
  };
}
