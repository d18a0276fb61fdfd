/**
 * What `npm run preview` does: Okta's Preview tab from a terminal. Sends a telephony request as Okta does
 * to a hook — the running `npm start` by default, or a deployed one with --url — and says what
 * Okta would do with the answer.
 */

import { jsonValueOf } from "../src/http/json.ts";
import { exitCodes, fail, parseCommandLine, readEnvFile, UsageError, wholeNumber } from "../tools/command-line.ts";
import { type FoundHook, findLocalHooks } from "../tools/local-hooks.ts";
import { SecretValueError, scrubConsole, secretOf, secretProblem, secretsOf } from "../tools/secret-values.ts";
import {
  channelLabelOf,
  defaultRequestType,
  type PreviewExchange,
  previewRequest,
  randomOtpCode,
  requestTypeNames,
  requestTypeOf,
  sendPreview,
  sentLabelOf,
  statusUrlOf,
  type Verdict,
  verdictLine,
  waitForFinalStatus,
} from "./okta-preview.ts";

const usage = `Usage: npm run preview -- [options]

Sends one telephony request as Okta's Preview tab does (a fresh eventId each time) and says what
Okta would do with the answer. Exit code: 0 Okta accepts, 1 Okta takes no code from the hook
(FALL BACK or SKIP), 2 usage error.

Options:
  --type <t>             enrollment | verification | unlock | reset, or a raw com.okta.… requestType
                         (default ${defaultRequestType})
  --channel <c>          sms | voice (default sms)
  --delivery-channel <s> the raw deliveryChannel to send instead (e.g. "Voice", "CALL")
  --phone <number>       default +15555550100 (the simulator delivers it)
  --locale <locale>      default EN-US
  --otp <code>           default a random 6-digit code
  --url <url>            the hook (default: the one npm start is serving)
  --header <name>        the auth header (default: the local hook's, else authorization)
  --auth <value>         its value (default: $OKTA_HOOK_AUTH; for npm start, its local secret; for
                         start:live, the first of OKTA_AUTH_SECRETS, from the environment or its env file)
  --all                  every request type with each channel, then the total
  --wait                 after an accepted send, follow its delivery status to the end (needs
                         Telesign callbacks or get-status; npm start has both)
  --wait-seconds <n>     how long to follow it (default 30)
  --quiet                print the verdicts only
  --verbose              with --all, print each request and answer in full too
  --json                 print one JSON object per request instead (for scripts)
  --help                 this text

Examples:
  npm run preview -- --channel voice
  npm run preview -- --phone +15555550408          the simulator never answers: Okta falls back
  npm run preview -- --url https://<site>/.netlify/functions/telesign --auth "$SECRET"`;

/** The command line's options, checked (usage errors end the process with exit 2). */
function parseOptions() {
  return parseCommandLine(
    usage,
    {
      type: { type: "string", default: defaultRequestType },
      channel: { type: "string", default: "sms" },
      "delivery-channel": { type: "string" },
      phone: { type: "string", default: "+15555550100" },
      locale: { type: "string", default: "EN-US" },
      otp: { type: "string" },
      url: { type: "string" },
      header: { type: "string" },
      auth: { type: "string" },
      all: { type: "boolean", default: false },
      wait: { type: "boolean", default: false },
      "wait-seconds": { type: "string", default: "30" },
      quiet: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
    (values) => {
      const channel = values.channel;
      if (channel !== "sms" && channel !== "voice")
        throw new UsageError(`--channel takes sms or voice, not "${channel}"`);
      const url = values.url as string | undefined;
      if (url !== undefined && !/^https?:\/\//.test(url)) {
        throw new UsageError(`--url takes the hook's http(s) URL, not "${url}"`);
      }
      const requestType = requestTypeOf(values.type as string);
      if (requestType === undefined) {
        const known = Object.keys(requestTypeNames).join(", ");
        throw new UsageError(`--type takes ${known} or a raw com.okta.… requestType, not "${values.type}"`);
      }
      return {
        requestType,
        channel: channel as "sms" | "voice",
        deliveryChannel: values["delivery-channel"] as string | undefined,
        phone: values.phone as string,
        locale: values.locale as string,
        otp: values.otp as string | undefined,
        url,
        header: values.header as string | undefined,
        auth: values.auth as string | undefined,
        all: values.all === true,
        wait: values.wait === true,
        waitMs: wholeNumber("wait-seconds", values["wait-seconds"] as string, 1, 3_600) * 1000,
        summary: values.all === true && values.quiet !== true && values.json !== true,
        // --all shows the exchanges only when asked: eight in full bury the verdicts.
        details: values.quiet !== true && values.json !== true && (values.all !== true || values.verbose === true),
        json: values.json === true,
      };
    },
  );
}

type Options = ReturnType<typeof parseOptions>;
type AuthHeader = { name: string; value: string } | undefined;

const verdictExitCodes: Record<Verdict, number> = {
  accept: exitCodes.done,
  "fall back": exitCodes.failed,
  skip: exitCodes.failed,
};

/** The command: reads its options from the command line and exits with Okta's verdict. */
export async function runPreview(): Promise<never> {
  const options = parseOptions();
  // Nothing preview prints carries a secret it was given.
  scrubConsole([options.auth, process.env.OKTA_HOOK_AUTH, process.env.OKTA_AUTH_SECRETS]);
  process.exit(await run(options));
}

async function run(options: Options): Promise<number> {
  const { url, authHeader } = await target(options);
  const cases = options.all
    ? Object.values(requestTypeNames).flatMap((type) =>
        (["sms", "voice"] as const).map((channel) => ({ type: type as string, channel })),
      )
    : [{ type: options.requestType, channel: options.channel }];

  let worst: number = exitCodes.done;
  const verdictLines: string[] = [];
  const verdicts: Verdict[] = [];
  for (const { type, channel } of cases) {
    const request = previewRequest({
      requestType: type,
      channel,
      deliveryChannel: options.all ? undefined : options.deliveryChannel,
      phoneNumber: options.phone,
      locale: options.locale,
      otpCode: options.otp ?? randomOtpCode(),
    });
    const sent = channelLabelOf(request.data.messageProfile.deliveryChannel);
    if (options.details) console.log(`\n→ POST ${url}\n${JSON.stringify(request, null, 2)}`);
    const exchange = await sendPreview(url, request, { authHeader });
    if (options.details) printExchange(exchange);
    if (options.json) {
      const { verdict, explanation, httpStatus, durationMs } = exchange;
      const transactionId = transactionIdOf(exchange.body);
      const errorSummary = errorSummaryOf(exchange.body);
      const line = {
        requestType: type,
        sent,
        verdict,
        explanation,
        httpStatus,
        durationMs,
        transactionId,
        errorSummary,
      };
      console.log(JSON.stringify(line));
    } else {
      const line = verdictLine(exchange, sentLabelOf(request), exchange.durationMs);
      verdictLines.push(line);
      console.log(line);
    }
    verdicts.push(exchange.verdict);
    worst = Math.max(worst, verdictExitCodes[exchange.verdict]);
    const referenceId = transactionIdOf(exchange.body);
    if (options.wait && exchange.verdict === "accept" && referenceId !== undefined) {
      const final = await followDelivery(url, referenceId, authHeader, options);
      if (final?.okta !== "SUCCESSFUL") worst = exitCodes.failed;
    }
  }
  if (options.summary) {
    // After the exchanges in full, the verdicts again where they can be seen together.
    if (options.details) console.log(`\n${verdictLines.join("\n")}`);
    console.log(totalLine(verdicts));
  }
  return worst;
}

/** `8 requests: 6 ACCEPT, 2 FALL BACK`. */
function totalLine(verdicts: Verdict[]): string {
  const counts = (["accept", "fall back", "skip"] as const)
    .map((verdict) => [verdict, verdicts.filter((each) => each === verdict).length] as const)
    .filter(([, count]) => count > 0)
    .map(([verdict, count]) => `${count} ${verdict.toUpperCase()}`);
  return `${verdicts.length} requests: ${counts.join(", ")}`;
}

/** The hook to call and its credential: --url and --auth, else the newest running `npm start`. */
async function target(options: Options): Promise<{ url: string; authHeader: AuthHeader }> {
  const running = await findLocalHooks(process.cwd());
  const local: FoundHook | undefined =
    options.url === undefined ? running[0] : running.find((hook) => hook.url === options.url);
  if (options.url === undefined && local === undefined) {
    fail(
      "no local hook is running: start one with npm start (in another terminal), or call a deployed hook with --url <url> --auth <secret>.",
    );
  }
  const url = options.url ?? (local as FoundHook).url;
  if (options.url === undefined && running.length > 1 && !options.json) {
    console.log(`${running.length} local hooks are running; calling the newest, ${url} (choose with --url).`);
  }
  const value = await secretFor(options, local);
  if (value === undefined) console.warn("No --auth given: the request carries no auth header.");
  const authHeader =
    value === undefined ? undefined : { name: options.header ?? local?.headerName ?? "authorization", value };
  return { url, authHeader };
}

/**
 * The secret to send: --auth, $OKTA_HOOK_AUTH, npm start's own local secret, or, for
 * start:live, the first of OKTA_AUTH_SECRETS as the hook reads it (its env file alone). Each is checked before it goes into a header, and named (never shown) when it cannot.
 */
async function secretFor(options: Options, local: FoundHook | undefined): Promise<string | undefined> {
  if (options.auth !== undefined) {
    const problem = secretProblem("--auth", options.auth);
    if (problem !== undefined) fail(problem);
    return options.auth.trim();
  }
  try {
    const fromEnv = secretOf(process.env, "OKTA_HOOK_AUTH");
    if (fromEnv !== undefined || local === undefined) return fromEnv;
    if (local.secret !== undefined) return local.secret;
    const env = local.envFile === undefined ? {} : await readEnvFile(local.envFile);
    // The file alone, as the start:live hook reads it: a shell's OKTA_AUTH_SECRETS is not the hook's.
    const secrets = secretsOf(env, "OKTA_AUTH_SECRETS");
    scrubConsole(secrets);
    return secrets[0];
  } catch (error) {
    if (error instanceof SecretValueError) fail(error.message);
    throw error;
  }
}

async function followDelivery(hookUrl: string, referenceId: string, authHeader: AuthHeader, options: Options) {
  const log = (line: string) => {
    if (!options.json) console.log(line);
  };
  log(`   following ${referenceId} at ${statusUrlOf(hookUrl)}`);
  const final = await waitForFinalStatus(statusUrlOf(hookUrl), referenceId, {
    authHeader,
    timeoutMs: options.waitMs,
    onChange: (status) => {
      if (options.json) console.log(JSON.stringify({ referenceId, status }));
      else log(`   ${status.okta.padEnd(10)} ${status.code} ${status.description} (from ${status.source})`);
    },
  });
  if (final === undefined || final.okta === "PENDING") log(`   no final status within ${options.waitMs / 1000} s`);
  return final;
}

function transactionIdOf(body: string): string | undefined {
  const answer = jsonValueOf(body) as { commands?: [{ value?: [{ transactionId?: string }] }] } | undefined;
  return answer?.commands?.[0]?.value?.[0]?.transactionId;
}

/** The hook's Okta error, if it answered one (a Telesign code or a fixed sentence: never a secret). */
function errorSummaryOf(body: string): string | undefined {
  const answer = jsonValueOf(body) as { error?: { errorSummary?: unknown } } | undefined;
  const summary = answer?.error?.errorSummary;
  return typeof summary === "string" ? summary : undefined;
}

function printExchange(exchange: PreviewExchange) {
  let body = exchange.body;
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // shown as it came
  }
  console.log(`← HTTP ${exchange.httpStatus || "(none)"} in ${exchange.durationMs} ms\n${body}\n`);
  for (const { check, ok } of exchange.checks) console.log(`  ${ok ? "✓" : "✗"} ${check}`);
}
