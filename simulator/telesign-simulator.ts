import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { jsonValueOf } from "../src/http/json.ts";
import { basicValid, digestValid, telesignSignature } from "./telesign-signatures.ts";

/**
 * A Telesign Messaging simulator that follows Telesign's documented behaviour: it checks Basic and
 * digest authentication, validates bodies and answers with Telesign's codes, issues reference ids
 * and keeps each message for status requests. It speaks the Fetch API (`Request` in, `Response`
 * out), so tests serve it through msw and the local run over HTTP.
 *
 * Numbers ending in a scenario's four digits get that scenario's answer; every other number is
 * accepted (3001) and then delivered (3000) after `deliveryDelayMs`. With a `callbackUrl`, the
 * final status is also posted there, signed as Telesign signs its delivery-status callbacks.
 */

export interface Scenario {
  describe: string;
  /** An immediate answer instead of accepting the message. */
  answer?: () => Response;
  /** Never answer (until the caller gives up). */
  hang?: true;
  /** The final status of an accepted message. */
  finalStatus?: { code: number; description: string };
}

const delivered = { code: 3000, description: "Delivered" };
const inProgress = { code: 3001, description: "Message in progress" };

export const scenarios: Record<string, Scenario> = {
  "3101": {
    describe: "invalid phone number (HTTP 400, 3101)",
    answer: () => status(400, 3101, "Invalid value for parameter phone_number"),
  },
  "3204": { describe: "rate limit exceeded (HTTP 429, 3204)", answer: () => status(429, 3204, "Rate limit exceeded") },
  "3500": {
    describe: "system unavailable (HTTP 503, 3500)",
    answer: () => status(503, 3500, "System unavailable, please try again later"),
  },
  "0502": {
    describe: "HTML bad gateway page from a proxy (HTTP 502)",
    answer: () =>
      new Response("<html><body><h1>502 Bad Gateway</h1></body></html>", {
        status: 502,
        headers: { "content-type": "text/html" },
      }),
  },
  "0413": {
    describe: "HTML payload-too-large page (HTTP 413)",
    answer: () =>
      new Response("<html><body>413 Request Entity Too Large</body></html>", {
        status: 413,
        headers: { "content-type": "text/html" },
      }),
  },
  "0200": { describe: "empty body (HTTP 200)", answer: () => new Response("", { status: 200 }) },
  "0408": { describe: "no answer at all (the hook's deadline passes)", hang: true },
  "3031": {
    describe: "accepted, then failed (final status 3031)",
    finalStatus: { code: 3031, description: "Delivery failed" },
  },
};

/** Intelligence (Score) answers on demand, by the number's last four digits; any other number: allow. */
export interface RiskScenario {
  describe: string;
  risk?: { score: number; level: string; recommendation: "allow" | "flag" | "block" };
  answer?: () => Response;
  hang?: true;
}

const lowRisk = { score: 13, level: "low", recommendation: "allow" } as const;

export const riskScenarios: Record<string, RiskScenario> = {
  "0666": {
    describe: "risk score: block (score 960)",
    risk: { score: 960, level: "very-high", recommendation: "block" },
  },
  "0333": { describe: "risk score: flag (score 640)", risk: { score: 640, level: "high", recommendation: "flag" } },
  "0403": {
    describe: "risk score: the account has no Intelligence (HTTP 403)",
    answer: () => status(403, 10033, "Product not enabled for this account"),
  },
  "0999": { describe: "risk score: no answer at all", hang: true },
};

const lifecycleEvents = ["create", "sign-in", "transact", "update", "delete"];

export interface TelesignSimulatorOptions {
  customerId: string;
  apiKey: string;
  /** Sender ids Telesign has allow-listed for this account. */
  senderIds?: string[];
  /** Scenarios by the phone number's last four digits (default: the built-in ones; `{}` for none). */
  scenarios?: Record<string, Scenario>;
  /** Risk score scenarios by the last four digits (default: the built-in ones; `{}` for none). */
  riskScenarios?: Record<string, RiskScenario>;
  /** Telesign's own latency: every answer waits this long (default 0). */
  latencyMs?: number;
  /** The longest a hanging scenario waits before giving up (it also stops when the caller aborts). */
  maxHangMs?: number;
  /** Told of every accepted message: the simulator's "inbox". */
  onMessage?: (message: SimulatedMessage) => void;
  /** How long an accepted message stays in progress before its final status (default 0). */
  deliveryDelayMs?: number;
  /** Where to post signed delivery-status callbacks, if anywhere. */
  callbackUrl?: string;
  /** Told of each callback posted, with the HTTP status it got (0 when it could not be delivered). */
  onCallback?: (message: SimulatedMessage, httpStatus: number) => void;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface StatusEntry {
  code: number;
  description: string;
  updatedOn: string;
}

const callbackAttempts = 3;
const callbackRetryMs = 1_000;

export interface SimulatedMessage {
  referenceId: string;
  externalId: string | null;
  channel: "sms" | "voice";
  phoneNumber: string;
  /** The SMS text, or the code a voice call speaks. */
  content: string;
  language?: string;
  senderId?: string;
  history: StatusEntry[];
}

const maxBodyBytes = 10 * 1024;
const omnichannelPath = "/v1/omnichannel";

export class TelesignSimulator {
  /** Every request, as it crossed the wire, in arrival order. */
  readonly received: ReceivedRequest[] = [];
  readonly messages = new Map<string, SimulatedMessage>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: TelesignSimulatorOptions) {}

  /** Cancels the final statuses and callbacks still to come. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** The bodies of the send requests received, parsed. */
  sentBodies(): unknown[] {
    return this.received
      .filter((r) => r.method === "POST" && r.path === omnichannelPath)
      .map((r) => JSON.parse(r.body));
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === "POST" ? await request.text() : "";
    this.received.push({
      method: request.method,
      path: url.pathname,
      headers: Object.fromEntries(request.headers),
      body,
    });
    if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    if (!(await this.authenticated(request, url.pathname, body))) return status(401, 3400, "Not authorized");

    if (url.pathname === omnichannelPath && request.method === "POST") return this.send(body, request.signal);
    const statusPath = /^\/v1\/omnichannel\/([^/]+)$/.exec(url.pathname);
    if (statusPath?.[1] !== undefined && request.method === "GET") return this.status(statusPath[1]);
    const scorePath = /^\/v1\/score\/([^/]*)$/.exec(url.pathname);
    if (scorePath?.[1] !== undefined && request.method === "POST") return this.score(scorePath[1], body, request);
    return new Response("Not Found", { status: 404, headers: { "content-type": "text/plain" } });
  }

  private async authenticated(request: Request, path: string, body: string): Promise<boolean> {
    const account = { customerId: this.options.customerId, apiKey: this.options.apiKey };
    const authorization = request.headers.get("authorization") ?? "";
    if (authorization.startsWith("Basic ")) return basicValid(authorization, account);
    const date = request.headers.get("date");
    const nonce = request.headers.get("x-ts-nonce");
    if (!authorization.startsWith("TSA ") || date === null || nonce === null) return false;
    if (request.headers.get("x-ts-auth-method") !== "HMAC-SHA256") return false;
    const contentType = request.headers.get("content-type") ?? "";
    return digestValid(authorization, { method: request.method, contentType, date, nonce, body, path }, account);
  }

  private async send(body: string, signal: AbortSignal): Promise<Response> {
    if (Buffer.byteLength(body) > maxBodyBytes) return status(413, 3116, "Payload too large");
    const checked = checkMessage(jsonValueOf(body), this.options.senderIds ?? []);
    if ("rejection" in checked) return checked.rejection;
    const { channel, phoneNumber } = checked;

    const scenario = (this.options.scenarios ?? scenarios)[phoneNumber.slice(-4)];
    if (scenario?.hang) {
      await hangUntil(signal, this.options.maxHangMs ?? 30_000);
      return status(504, 3500, "System unavailable, please try again later");
    }
    if (scenario?.answer) return scenario.answer();

    const referenceId = randomBytes(16).toString("hex").toUpperCase();
    const acceptedAt = Date.now();
    const finalAt = acceptedAt + (this.options.deliveryDelayMs ?? 0);
    const message: SimulatedMessage = {
      referenceId,
      externalId: checked.externalId ?? null,
      channel,
      phoneNumber,
      content: checked.content,
      language: checked.language,
      senderId: checked.senderId,
      history: [
        { ...inProgress, updatedOn: new Date(acceptedAt).toISOString() },
        { ...(scenario?.finalStatus ?? delivered), updatedOn: new Date(finalAt).toISOString() },
      ],
    };
    this.messages.set(referenceId, message);
    this.options.onMessage?.(message);
    const { callbackUrl } = this.options;
    if (callbackUrl !== undefined) this.later(finalAt - acceptedAt, () => this.postCallback(message, callbackUrl, 1));
    return Response.json({ reference_id: referenceId, status: inProgress, external_id: message.externalId });
  }

  /** The message's status as Telesign reports it, in get-status answers and callbacks alike. */
  statusReport(message: SimulatedMessage) {
    const now = new Date().toISOString();
    const latest = message.history.findLast((entry) => entry.updatedOn <= now) ?? message.history[0];
    const current = { code: latest?.code, description: latest?.description, updated_on: latest?.updatedOn };
    return {
      reference_id: message.referenceId,
      external_id: message.externalId,
      status: { ...current, last_channel: message.channel },
      channel_status: [{ [message.channel]: { ...current, reference_id: message.referenceId } }],
    };
  }

  /** Intelligence (Score): `POST /v1/score/{phone_number}`, form-encoded. */
  private async score(phoneNumber: string, body: string, request: Request): Promise<Response> {
    if (!/^\d{7,15}$/.test(phoneNumber)) return status(400, 11000, "Invalid value for parameter phone_number");
    if (!(request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
      return status(400, 10000, "Invalid request: form-encoded body expected");
    }
    const form = new URLSearchParams(body);
    if (!lifecycleEvents.includes(form.get("account_lifecycle_event") ?? "")) {
      return status(400, 10001, "Invalid value for parameter account_lifecycle_event");
    }
    const originatingIp = form.get("originating_ip");
    if (originatingIp !== null && isIP(originatingIp) === 0) {
      return status(400, 10002, "Invalid value for parameter originating_ip");
    }
    const scenario = (this.options.riskScenarios ?? riskScenarios)[phoneNumber.slice(-4)];
    if (scenario?.hang) {
      await hangUntil(request.signal, this.options.maxHangMs ?? 30_000);
      return status(504, 503, "Service unavailable");
    }
    if (scenario?.answer) return scenario.answer();
    return Response.json({
      reference_id: randomBytes(16).toString("hex").toUpperCase(),
      status: { code: 300, description: "Transaction successfully completed", updated_on: new Date().toISOString() },
      phone_type: { code: "2", description: "MOBILE" },
      risk: scenario?.risk ?? lowRisk,
    });
  }

  private status(referenceId: string): Response {
    if (!/^[0-9A-F]{32}$/i.test(referenceId)) return status(400, 3311, "Invalid reference_id");
    const message = this.messages.get(referenceId.toUpperCase());
    if (message === undefined) return status(404, -10004, "Reference id not found or expired");
    return Response.json(this.statusReport(message));
  }

  private async postCallback(message: SimulatedMessage, callbackUrl: string, attempt: number): Promise<void> {
    const body = JSON.stringify(this.statusReport(message));
    const signature = await telesignSignature(this.options.apiKey, body);
    let httpStatus = 0;
    try {
      const response = await fetch(callbackUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `TSA ${this.options.customerId}:${signature}`,
          "x-ts-authorization": signature,
        },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      httpStatus = response.status;
      await response.text();
    } catch {
      // Telesign retries a callback that was not answered with a success.
    }
    this.options.onCallback?.(message, httpStatus);
    if ((httpStatus < 200 || httpStatus > 299) && attempt < callbackAttempts) {
      this.later(callbackRetryMs, () => this.postCallback(message, callbackUrl, attempt + 1));
    }
  }

  private later(delayMs: number, task: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void task();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }
}

type CheckedMessage =
  | {
      channel: "sms" | "voice";
      phoneNumber: string;
      content: string;
      language?: string;
      externalId?: string;
      senderId?: string;
    }
  | { rejection: Response };

/** Telesign's checks of a send request, in the order it applies them, with its codes. */
function checkMessage(value: unknown, senderIds: string[]): CheckedMessage {
  if (!isRecord(value)) return { rejection: status(400, 3110, "Invalid request") };
  for (const field of ["channels", "recipient", "message", "message_type"]) {
    if (value[field] === undefined) return { rejection: status(400, 3300, `Missing required field: ${field}`) };
  }
  const { channels, recipient, message, message_type, external_id, sender_id, callback_url, originating_ip } = value;
  if (!Array.isArray(channels) || channels.length === 0 || !channels.every(isRecord)) {
    return { rejection: status(400, 3113, "Invalid value for parameter channels") };
  }
  if (channels.length > 1) return { rejection: status(400, 3202, "Fallback feature is not enabled") };
  const channel = channels[0]?.channel;
  if (channel !== "sms" && channel !== "voice")
    return { rejection: status(400, 3113, "Invalid value for parameter channel") };
  if (!["OTP", "ARN", "MKT"].includes(String(message_type))) {
    return { rejection: status(400, 3102, "Invalid value for parameter message_type") };
  }
  const phoneNumber = isRecord(recipient) ? recipient.phone_number : undefined;
  if (typeof phoneNumber !== "string" || !/^\d{7,15}$/.test(phoneNumber)) {
    return { rejection: status(400, 3101, "Invalid value for parameter phone_number") };
  }
  if (external_id !== undefined && (typeof external_id !== "string" || !/^[\x20-\x7e]{1,100}$/.test(external_id))) {
    return { rejection: status(400, 3103, "Invalid value for parameter external_id") };
  }
  if (originating_ip !== undefined && (typeof originating_ip !== "string" || isIP(originating_ip) === 0)) {
    return { rejection: status(400, 3105, "Invalid value for parameter originating_ip") };
  }
  if (callback_url !== undefined) return { rejection: status(429, 3203, "Callback URL feature is not enabled") };
  if (!isRecord(message)) return { rejection: status(400, 3110, "Invalid request") };

  const template = isRecord(message[channel]) ? message[channel] : {};
  if (channel === "sms") {
    if (template.template !== "text") return { rejection: status(400, 3112, "Template not available for channel sms") };
    const text = parameter(message.sms, "text") ?? parameter(message.default, "text");
    if (typeof text !== "string" || text === "") return { rejection: status(400, 3306, "Missing parameter: text") };
    if (sender_id !== undefined && !senderIds.includes(String(sender_id))) {
      return { rejection: status(400, 3109, "Invalid value for parameter sender_id") };
    }
    return { channel, phoneNumber, content: text, externalId: external_id, senderId: sender_id as string | undefined };
  }
  if (template.template !== "otp_voice")
    return { rejection: status(400, 3112, "Template not available for channel voice") };
  const otpCode = parameter(message.voice, "otp_code");
  if (typeof otpCode !== "string" || otpCode === "")
    return { rejection: status(400, 3306, "Missing parameter: otp_code") };
  const language = parameter(message.voice, "language");
  if (language !== undefined && (typeof language !== "string" || !/^[a-z]{2}(-[A-Za-z]{2})?$/.test(language))) {
    return { rejection: status(400, 3110, "Invalid value for parameter language") };
  }
  return { channel, phoneNumber, content: otpCode, language, externalId: external_id };
}

function status(httpStatus: number, code: number, description: string): Response {
  return Response.json({ status: { code, description }, external_id: null }, { status: httpStatus });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parameter(section: unknown, name: string): unknown {
  return isRecord(section) && isRecord(section.parameters) ? section.parameters[name] : undefined;
}

function hangUntil(signal: AbortSignal, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxMs);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
