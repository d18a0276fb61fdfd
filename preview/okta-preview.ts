import { randomBytes, randomInt, randomUUID } from "node:crypto";
import * as z from "zod/mini";
import { jsonValueOf } from "../src/http/json.ts";
import { deliveryChannelOf, type knownRequestTypes } from "../src/okta/telephony-request.ts";
import { oktaLimitMs } from "../src/okta/time-limit.ts";
import { messageOf } from "../src/support/error-text.ts";

/**
 * Okta's Preview tab, outside Okta: builds a telephony request as Preview does, sends it to a
 * hook, and judges the answer by Okta's contract — what Okta would do with it.
 */

export const requestTypeNames = {
  enrollment: "com.okta.user.telephony.pre-enrollment",
  verification: "com.okta.user.telephony.mfa-verification",
  unlock: "com.okta.user.telephony.account-unlock",
  reset: "com.okta.user.telephony.password-reset",
} as const satisfies Record<string, (typeof knownRequestTypes)[number]>;

export type RequestTypeName = keyof typeof requestTypeNames;

/** What a preview sends unless told otherwise, from a terminal and through Okta alike: a sign-in's code. */
export const defaultRequestType: RequestTypeName = "verification";

/**
 * The `requestType` a `--type` option names: a short name, or a raw `com.okta.…` requestType (to
 * see how the hook answers one Okta may add); undefined for anything else, a typo included.
 */
export function requestTypeOf(option: string): string | undefined {
  if (Object.hasOwn(requestTypeNames, option)) return requestTypeNames[option as RequestTypeName];
  return option.startsWith("com.okta.") ? option : undefined;
}

/** What Okta's documentation has called the voice channel; Preview users also edit it by hand. */
const defaultDeliveryChannels = { sms: "SMS", voice: "voice call" } as const;

export interface PreviewRequestOptions {
  requestType: string;
  channel: "sms" | "voice";
  /** The raw `deliveryChannel`; by default `SMS` or `voice call`. */
  deliveryChannel?: string;
  phoneNumber: string;
  locale: string;
  otpCode: string;
  now?: Date;
}

/** The request Okta's Preview generates ("Generate Request"), with fresh ids and times. */
export function previewRequest(options: PreviewRequestOptions) {
  const now = options.now ?? new Date();
  return {
    eventId: randomBytes(16).toString("base64url"),
    eventTime: now.toISOString(),
    eventType: "com.okta.telephony.provider",
    eventTypeVersion: "1.0",
    contentType: "application/json",
    cloudEventVersion: "0.1",
    source: "https://example.okta.com/api/v1/inlineHooks/calPreviewLocal0000",
    requestType: options.requestType,
    data: {
      context: {
        request: {
          id: `req${randomUUID().replaceAll("-", "").slice(0, 22)}`,
          method: "POST",
          url: { value: "/api/internal/v1/inlineHooks/com.okta.telephony.provider/generatePreview" },
          ipAddress: "127.0.0.1",
        },
      },
      userProfile: {
        firstName: "test",
        lastName: "user",
        login: "test.user@example.com",
        userId: "00uPreviewLocal00000",
      },
      messageProfile: {
        msgTemplate: `(HOOK)Your code is ${options.otpCode}`,
        phoneNumber: options.phoneNumber,
        otpExpires: new Date(now.getTime() + 5 * 60_000).toISOString(),
        deliveryChannel: options.deliveryChannel ?? defaultDeliveryChannels[options.channel],
        otpCode: options.otpCode,
        locale: options.locale,
      },
    },
  };
}

/** What a `deliveryChannel` asks for, as the hook reads it: "SMS", "voice call", or what is wrong with it. */
export function channelLabelOf(deliveryChannel: string): string {
  const channel = deliveryChannelOf(deliveryChannel);
  if (channel === "sms") return "SMS";
  if (channel === "voice") return "voice call";
  return `deliveryChannel "${deliveryChannel}" (neither SMS nor voice)`;
}

/** A fresh six-digit code, leading zeros kept, as Okta's are. */
export function randomOtpCode(): string {
  return String(randomInt(1_000_000)).padStart(6, "0");
}

/** What a preview request sends, for its verdict line: `mfa-verification SMS`. */
export function sentLabelOf(request: ReturnType<typeof previewRequest>): string {
  const type = request.requestType.replace("com.okta.user.telephony.", "");
  return `${type} ${channelLabelOf(request.data.messageProfile.deliveryChannel)}`;
}

/** Okta refuses larger answers. */
const oktaMaxBodyBytes = 256 * 1024;

const telephonyAction = z.object({
  status: z.enum(["SUCCESSFUL", "PENDING", "FAILED"]),
  provider: z.optional(z.string()),
  transactionId: z.optional(z.string()),
  transactionMetadata: z.optional(z.string()),
});

const commandsBody = z.object({
  commands: z
    .array(
      z.object({
        type: z.literal("com.okta.telephony.action"),
        value: z.array(telephonyAction).check(z.minLength(1)),
      }),
    )
    .check(z.minLength(1)),
});

const errorBody = z.object({
  error: z.object({
    errorSummary: z.string().check(z.minLength(1)),
    errorCauses: z.optional(
      z.array(
        z.object({
          errorSummary: z.optional(z.string()),
          reason: z.optional(z.string()),
          location: z.optional(z.string()),
        }),
      ),
    ),
  }),
});

export type Verdict = "accept" | "fall back" | "skip";

export interface ContractCheck {
  check: string;
  ok: boolean;
}

export interface Judgement {
  checks: ContractCheck[];
  verdict: Verdict;
  /** What Okta does with this answer, in a sentence. */
  explanation: string;
}

/** What Okta would do with an answer, and the checks of its contract that decided it. */
export function judgeAnswer({
  httpStatus,
  durationMs,
  body,
}: {
  httpStatus: number;
  durationMs: number;
  body: string;
}): Judgement {
  const json = jsonValueOf(body);
  const commands = commandsBody.safeParse(json);
  const error = errorBody.safeParse(json);
  const checks: ContractCheck[] = [
    { check: "HTTP 200", ok: httpStatus === 200 },
    { check: "a JSON body", ok: json !== undefined },
    { check: "a valid commands or error object", ok: commands.success || error.success },
    { check: `under ${oktaMaxBodyBytes / 1024} KB`, ok: Buffer.byteLength(body) < oktaMaxBodyBytes },
    { check: `answered within ${oktaLimitMs / 1000} s`, ok: durationMs <= oktaLimitMs },
  ];
  if (checks.some((check) => !check.ok)) {
    return {
      checks,
      verdict: "skip",
      explanation:
        "Okta skips the hook and sends the code through its own provider (a second message if Telesign already sent one).",
    };
  }
  if (commands.success) {
    const status = commands.data.commands[0]?.value[0]?.status;
    if (status === "SUCCESSFUL")
      return { checks, verdict: "accept", explanation: "Okta accepts: the code is on its way." };
    if (status === "PENDING") {
      return { checks, verdict: "accept", explanation: "Okta accepts PENDING; what it does next is undocumented." };
    }
    return {
      checks,
      verdict: "fall back",
      explanation: "Okta falls back to its own provider: the hook answered FAILED.",
    };
  }
  return {
    checks,
    verdict: "fall back",
    explanation: `no code from the hook; Okta sends none, or its own (its docs say both): the hook answered error "${error.data?.error.errorSummary}".`,
  };
}

/** The one line that says what Okta does with an answer: `✅ ACCEPT verification SMS: … (412 ms)`. */
export function verdictLine({ verdict, explanation }: Judgement, what: string, durationMs: number): string {
  const mark = { accept: "✅ ACCEPT", "fall back": "↪️  FALL BACK", skip: "❌ SKIP" }[verdict];
  return `${mark} ${what}: ${explanation} (${durationMs} ms)`;
}

export interface PreviewExchange extends Judgement {
  httpStatus: number;
  durationMs: number;
  body: string;
}

/** Sends a request as Okta does ("View Response") and judges the answer. */
export async function sendPreview(
  url: string,
  request: unknown,
  {
    authHeader,
    fetch = globalThis.fetch,
  }: { authHeader?: { name: string; value: string }; fetch?: typeof globalThis.fetch } = {},
): Promise<PreviewExchange> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (authHeader !== undefined) headers[authHeader.name] = authHeader.value;
  const started = performance.now();
  let httpStatus = 0;
  let body = "";
  try {
    // Okta does not follow redirects, and gives up at its deadline (a little slack to measure by how much).
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(request),
      redirect: "manual",
      signal: AbortSignal.timeout(oktaLimitMs + 2_000),
    });
    httpStatus = response.status;
    body = await response.text();
  } catch (error) {
    body = `(no answer: ${messageOf(error)})`;
  }
  const durationMs = Math.round(performance.now() - started);
  return { httpStatus, durationMs, body, ...judgeAnswer({ httpStatus, durationMs, body }) };
}

export interface DeliveryStatus {
  code: number;
  description: string;
  okta: "SUCCESSFUL" | "PENDING" | "FAILED";
  source: string;
}

/** The status endpoint beside a hook URL (`…/telesign` → `…/telesign-status`). */
export function statusUrlOf(hookUrl: string): string {
  const url = new URL(hookUrl);
  url.pathname = url.pathname.replace(/\/[^/]*$/, "/telesign-status");
  return url.toString();
}

/**
 * Polls the hook's status endpoint until the transaction reaches a final status (SUCCESSFUL or
 * FAILED), or the time is up; tells each change of status as it is seen.
 */
export async function waitForFinalStatus(
  statusUrl: string,
  referenceId: string,
  {
    authHeader,
    timeoutMs = 30_000,
    intervalMs = 1_000,
    onChange,
  }: {
    authHeader?: { name: string; value: string };
    timeoutMs?: number;
    intervalMs?: number;
    onChange?: (status: DeliveryStatus) => void;
  },
): Promise<DeliveryStatus | undefined> {
  const url = new URL(statusUrl);
  url.searchParams.set("referenceId", referenceId);
  const headers = authHeader === undefined ? undefined : { [authHeader.name]: authHeader.value };
  const deadline = Date.now() + timeoutMs;
  let last: DeliveryStatus | undefined;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
      const body = (await response.json()) as { status?: DeliveryStatus | null };
      const status = body.status ?? undefined;
      if (status !== undefined && (status.code !== last?.code || status.source !== last?.source)) {
        last = status;
        onChange?.(status);
      }
      if (status !== undefined && status.okta !== "PENDING") return status;
    } catch {
      // not answering yet: try again
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return last;
}
