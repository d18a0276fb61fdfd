/**
 * `npm run preview`: Okta's Preview tab from a terminal. Sends a telephony request as Okta does
 * to a hook — the local one by default, or a deployed one with --url — and says what Okta would
 * do with the answer. Exit code: 0 Okta accepts, 1 Okta falls back to its own provider,
 * 2 Okta skips the hook (its contract is broken), 64 bad arguments.
 */
import { parseArgs } from "node:util";
import {
  type PreviewExchange,
  previewRequest,
  type RequestTypeName,
  requestTypeNames,
  sendPreview,
  statusUrlOf,
  type Verdict,
  waitForFinalStatus,
} from "../preview/okta-preview.ts";
import { jsonValueOf } from "../src/http/json.ts";
import { readLocalHook } from "./local-stack.ts";

const usage = `Usage: npm run preview -- [options]

  --type <t>            enrollment | verification | unlock | reset, or a raw requestType (default enrollment)
  --channel <c>         sms | voice (default sms)
  --delivery-channel <s> the raw deliveryChannel to send (e.g. "Voice", "CALL")
  --phone <number>      default +15555550100 (the simulator delivers it)
  --locale <locale>     default EN-US
  --otp <code>          default a random 6-digit code
  --url <url>           the hook (default: the one npm start is serving)
  --header <name>       the auth header (default authorization)
  --auth <value>        its value (default: $OKTA_HOOK_AUTH, or npm start's local secret)
  --all                 every request type with each channel
  --wait                after an accepted send, follow its delivery status to the end (needs
                        Telesign callbacks or get-status; npm start has both)
  --wait-seconds <n>    how long to follow it (default 30)
  --quiet               print the verdicts only`;

const exitCodes: Record<Verdict, number> = { accept: 0, "fall back": 1, skip: 2 };

let parsed: ReturnType<typeof parseOptions>;
try {
  parsed = parseOptions();
} catch (error) {
  console.error(`${error instanceof Error ? error.message : error}\n\n${usage}`);
  process.exit(64);
}
process.exit(await run(parsed));

function parseOptions() {
  const { values } = parseArgs({
    options: {
      type: { type: "string", default: "enrollment" },
      channel: { type: "string", default: "sms" },
      "delivery-channel": { type: "string" },
      phone: { type: "string", default: "+15555550100" },
      locale: { type: "string", default: "EN-US" },
      otp: { type: "string" },
      url: { type: "string" },
      header: { type: "string", default: "authorization" },
      auth: { type: "string" },
      all: { type: "boolean", default: false },
      wait: { type: "boolean", default: false },
      "wait-seconds": { type: "string", default: "30" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (values.channel !== "sms" && values.channel !== "voice") throw new Error("--channel must be sms or voice");
  return { ...values, channel: values.channel as "sms" | "voice" };
}

async function run(options: typeof parsed): Promise<number> {
  const localHook = await readLocalHook();
  const url = options.url ?? localHook?.url ?? "http://127.0.0.1:8888/.netlify/functions/telesign";
  const auth = options.auth ?? process.env.OKTA_HOOK_AUTH ?? (url === localHook?.url ? localHook.secret : undefined);
  const authHeader = auth === undefined ? undefined : { name: options.header, value: auth };
  if (authHeader === undefined) console.warn("No --auth given: the request carries no auth header.");

  const requestType = requestTypeNames[options.type as RequestTypeName] ?? options.type;
  const cases = options.all
    ? Object.values(requestTypeNames).flatMap((type) =>
        (["sms", "voice"] as const).map((channel) => ({ type, channel })),
      )
    : [{ type: requestType, channel: options.channel }];

  let worst = 0;
  for (const { type, channel } of cases) {
    const request = previewRequest({
      requestType: type,
      channel,
      deliveryChannel: options.all ? undefined : options["delivery-channel"],
      phoneNumber: options.phone,
      locale: options.locale,
      otpCode: options.otp ?? String(Math.floor(Math.random() * 1_000_000)).padStart(6, "0"),
    });
    if (!options.quiet) console.log(`\n→ POST ${url}\n${JSON.stringify(request, null, 2)}`);
    const exchange = await sendPreview(url, request, { authHeader });
    if (!options.quiet) printExchange(exchange);
    console.log(
      `${verdictMark(exchange.verdict)} ${type.replace("com.okta.user.telephony.", "")} ${channel}: ${exchange.explanation} (${exchange.durationMs} ms)`,
    );
    worst = Math.max(worst, exitCodes[exchange.verdict]);
    const referenceId = transactionIdOf(exchange.body);
    if (options.wait && exchange.verdict === "accept" && referenceId !== undefined) {
      const final = await followDelivery(url, referenceId, authHeader, Number(options["wait-seconds"]) * 1000);
      if (final?.okta !== "SUCCESSFUL") worst = Math.max(worst, exitCodes["fall back"]);
    }
  }
  return worst;
}

async function followDelivery(
  hookUrl: string,
  referenceId: string,
  authHeader: { name: string; value: string } | undefined,
  timeoutMs: number,
) {
  console.log(`   following ${referenceId} at ${statusUrlOf(hookUrl)}`);
  const final = await waitForFinalStatus(statusUrlOf(hookUrl), referenceId, {
    authHeader,
    timeoutMs,
    onChange: (status) =>
      console.log(`   ${status.okta.padEnd(10)} ${status.code} ${status.description} (from ${status.source})`),
  });
  if (final === undefined || final.okta === "PENDING") console.log(`   no final status within ${timeoutMs / 1000} s`);
  return final;
}

function transactionIdOf(body: string): string | undefined {
  const answer = jsonValueOf(body) as { commands?: [{ value?: [{ transactionId?: string }] }] } | undefined;
  return answer?.commands?.[0]?.value?.[0]?.transactionId;
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

function verdictMark(verdict: Verdict): string {
  return { accept: "✅ ACCEPT", "fall back": "↪️  FALL BACK", skip: "❌ SKIP" }[verdict];
}
