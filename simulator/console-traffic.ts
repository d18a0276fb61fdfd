import { createHash } from "node:crypto";
import { maskPhoneNumber } from "../src/mapping/phone-number.ts";
import { phoneHash } from "../src/storage/phone-hash.ts";

/**
 * Made-up traffic for the helpdesk console, as the hook records it: one user whose codes end in
 * every verdict the console gives (delivered, waiting, failed at the carrier, blocked by the
 * toll-fraud guard, fallen back to Okta's provider), and a week of ordinary traffic behind them
 * for the health page. Deterministic for a given time: the local demo shows it, the tests read it.
 */

export const demoUser = {
  login: "pat.jones@example.com",
  userId: "00udemo0patjones0001",
  /** The user's phone (a fictional 555 number): the agent may type it to look the codes up. */
  phone: "15555550142",
};

export interface RequestRow {
  received_at: string;
  event_id: string;
  okta_request_id: string;
  request_type: string;
  channel: "sms" | "voice";
  okta_user_id: string;
  okta_login: string;
  phone_masked: string;
  phone_hash: string | null;
  country_code: string;
  outcome: string;
  reference_id: string | null;
  telesign_code: number | null;
  duration_ms: number;
  /** The number's country (ISO 3166-1 alpha-2), and the toll-fraud guard's decision: columns of the guard's migration. */
  destination_country?: string;
  fraud_verdict?: string;
  fraud_rules?: string;
  fraud_scope?: string;
}

export interface StatusRow {
  reference_id: string;
  code: number;
  description: string;
  updated_on: string;
  dated: boolean;
  source: "send" | "callback";
  recorded_at: string;
}

export interface Traffic {
  requests: RequestRow[];
  statuses: StatusRow[];
}

const requestTypes = [
  "com.okta.user.telephony.mfa-verification",
  "com.okta.user.telephony.mfa-verification",
  "com.okta.user.telephony.mfa-verification",
  "com.okta.user.telephony.pre-enrollment",
  "com.okta.user.telephony.password-reset",
  "com.okta.user.telephony.account-unlock",
];

const countries = [
  { code: "1", country: "US", prefix: "1555555", weight: 6 },
  { code: "44", country: "GB", prefix: "447700900", weight: 2 },
  { code: "33", country: "FR", prefix: "33639980", weight: 1 },
  { code: "49", country: "DE", prefix: "4915550", weight: 1 },
];

/** A stable id from a seed: hex, like Telesign's reference ids and Okta's ids. */
const idOf = (seed: string, length = 32) =>
  createHash("sha256").update(seed).digest("hex").slice(0, length).toUpperCase();

const at = (now: Date, msAgo: number) => new Date(now.getTime() - msAgo).toISOString();

interface Code {
  seed: string;
  msAgo: number;
  user: { login: string; userId: string; phone: string; countryCode: string; country: string };
  channel: "sms" | "voice";
  requestType: string;
  outcome: "accepted" | "blocked" | "timeout" | "rejected";
  /** For an accepted code: Telesign's final status and how long after the request it came; none, still waiting. */
  final?: { code: number; description: string; afterMs: number };
  durationMs: number;
  rule?: string;
  scope?: string;
  /** For a code Telesign refused: its code and description. */
  telesignCode?: number;
  telesignDescription?: string;
}

function rowsOf(now: Date, code: Code, phoneHashKey: string | undefined): Traffic {
  const received = at(now, code.msAgo);
  // Telesign gives a reference id to what it accepted, and to what it refused.
  const referenceId =
    code.outcome === "accepted" || code.outcome === "rejected" ? idOf(`reference ${code.seed}`) : null;
  const request: RequestRow = {
    received_at: received,
    event_id: idOf(`event ${code.seed}`, 22).toLowerCase(),
    okta_request_id: `req${idOf(`request ${code.seed}`, 22)}`,
    request_type: code.requestType,
    channel: code.channel,
    okta_user_id: code.user.userId,
    okta_login: code.user.login,
    phone_masked: maskPhoneNumber(code.user.phone),
    phone_hash: phoneHashKey === undefined ? null : phoneHash(phoneHashKey, code.user.phone),
    country_code: code.user.countryCode,
    outcome: code.outcome,
    reference_id: referenceId,
    telesign_code: code.outcome === "accepted" ? 3001 : (code.telesignCode ?? null),
    duration_ms: code.durationMs,
    destination_country: code.user.country,
    ...(code.rule !== undefined && { fraud_verdict: "blocked", fraud_rules: code.rule, fraud_scope: code.scope }),
  };
  const statuses: StatusRow[] = [];
  if (referenceId !== null) {
    const sent = at(now, code.msAgo - code.durationMs);
    statuses.push({
      reference_id: referenceId,
      code: code.telesignCode ?? 3001,
      description: code.telesignDescription ?? "Message in progress",
      updated_on: sent,
      dated: true,
      source: "send",
      recorded_at: sent,
    });
    if (code.final !== undefined) {
      const reported = at(now, code.msAgo - code.final.afterMs);
      statuses.push({
        reference_id: referenceId,
        code: code.final.code,
        description: code.final.description,
        updated_on: reported,
        dated: true,
        source: "callback",
        recorded_at: reported,
      });
    }
  }
  return { requests: [request], statuses };
}

const delivered = (afterMs: number) => ({ code: 3000, description: "Delivered", afterMs });

/** The demo user's five codes, newest first: one of each verdict. */
export function demoUserCodes(now: Date, phoneHashKey?: string): Traffic {
  const user = { ...demoUser, countryCode: "1", country: "US" };
  const sms = "sms" as const;
  const verification = "com.okta.user.telephony.mfa-verification";
  const codes: Code[] = [
    {
      seed: "demo delivered",
      msAgo: 3 * 60_000,
      user,
      channel: sms,
      requestType: verification,
      outcome: "accepted",
      final: delivered(4_000),
      durationMs: 412,
    },
    {
      seed: "demo waiting",
      msAgo: 14 * 60_000,
      user,
      channel: sms,
      requestType: verification,
      outcome: "accepted",
      durationMs: 388,
    },
    {
      seed: "demo failed",
      msAgo: 26 * 60_000,
      user,
      channel: sms,
      requestType: verification,
      outcome: "accepted",
      final: { code: 3031, description: "Delivery failed", afterMs: 9_000 },
      durationMs: 455,
    },
    {
      seed: "demo blocked",
      msAgo: 41 * 60_000,
      user,
      channel: sms,
      requestType: "com.okta.user.telephony.password-reset",
      outcome: "blocked",
      rule: "rate_limit",
      scope: "number/1h",
      durationMs: 12,
    },
    {
      seed: "demo fallback",
      msAgo: 55 * 60_000,
      user,
      channel: "voice",
      requestType: verification,
      outcome: "timeout",
      durationMs: 2_540,
    },
  ];
  return merge(codes.map((code) => rowsOf(now, code, phoneHashKey)));
}

/**
 * A week of ordinary traffic, `perHour` codes an hour on average with a daily rhythm: mostly
 * delivered in a few seconds, some failures, a few blocked and fallen back.
 */
export function backgroundTraffic(now: Date, perHour: number, phoneHashKey?: string, hours = 168): Traffic {
  const parts: Traffic[] = [];
  let random = 42;
  const next = () => {
    random = (random * 1_103_515_245 + 12_345) % 2_147_483_648;
    return random / 2_147_483_648;
  };
  const totalWeight = countries.reduce((sum, country) => sum + country.weight, 0);
  for (let hour = 0; hour < hours; hour++) {
    const localHour = new Date(now.getTime() - hour * 3_600_000).getUTCHours();
    const rhythm = 0.3 + Math.max(0, Math.sin(((localHour - 6) / 24) * 2 * Math.PI)) * 1.4;
    const count = Math.round(perHour * rhythm * (0.7 + next() * 0.6));
    for (let index = 0; index < count; index++) {
      const seed = `background ${hour} ${index}`;
      const pick = next() * totalWeight;
      let cumulative = 0;
      const country = countries.find((candidate) => {
        cumulative += candidate.weight;
        return pick < cumulative;
      });
      const phone = `${country?.prefix}${String(Math.floor(next() * 1000)).padStart(3, "0")}`.slice(0, 15);
      const userNumber = Math.floor(next() * 5_000);
      const user = {
        login: `user${userNumber}@example.com`,
        userId: `00u${String(userNumber).padStart(17, "0")}`,
        phone,
        countryCode: country?.code ?? "1",
        country: country?.country ?? "US",
      };
      const roll = next();
      const code: Code = {
        seed,
        msAgo: hour * 3_600_000 + Math.floor(next() * 3_600_000) + 60_000,
        user,
        channel: next() < 0.85 ? "sms" : "voice",
        requestType: requestTypes[Math.floor(next() * requestTypes.length)] ?? (requestTypes[0] as string),
        outcome: roll < 0.02 ? "blocked" : roll < 0.035 ? "timeout" : roll < 0.045 ? "rejected" : "accepted",
        durationMs: Math.round(250 + next() * next() * 1_400),
      };
      if (code.outcome === "blocked")
        Object.assign(code, { rule: next() < 0.6 ? "country" : "rate_limit", scope: "range/1h", durationMs: 15 });
      if (code.outcome === "rejected")
        Object.assign(code, { telesignCode: 3101, telesignDescription: "Invalid value for parameter phone_number" });
      if (code.outcome === "timeout") code.durationMs = 2_520 + Math.round(next() * 60);
      if (code.outcome === "accepted" && next() < 0.97) {
        code.final =
          next() < 0.94
            ? delivered(Math.round(1_500 + next() * next() * 20_000))
            : { code: 3031, description: "Delivery failed", afterMs: Math.round(3_000 + next() * 30_000) };
      }
      // Codes of the last few minutes are still on their way.
      if (code.final !== undefined && code.final.afterMs >= code.msAgo) code.final = undefined;
      parts.push(rowsOf(now, code, phoneHashKey));
    }
  }
  return merge(parts);
}

function merge(parts: Traffic[]): Traffic {
  return { requests: parts.flatMap((part) => part.requests), statuses: parts.flatMap((part) => part.statuses) };
}

type Query = (text: string, params: unknown[]) => Promise<unknown[]>;

/**
 * Writes traffic into the hook's tables (every migration applied), a thousand rows a statement.
 * The toll-fraud guard's verdict, rule and scope are set on blocked codes only: absent, they are NULL.
 */
export async function insertTraffic(query: Query, { requests, statuses }: Traffic): Promise<void> {
  const guardColumns = { destination_country: "", fraud_verdict: "", fraud_rules: "", fraud_scope: "" };
  const requestColumns = Object.keys({ ...requests[0], ...guardColumns });
  const statusColumns = ["reference_id", "code", "description", "updated_on", "dated", "source", "recorded_at"];
  for (let start = 0; start < requests.length; start += 1_000) {
    await query(
      `INSERT INTO okta_requests (${requestColumns}) SELECT ${requestColumns} FROM json_populate_recordset(NULL::okta_requests, $1::json)`,
      [JSON.stringify(requests.slice(start, start + 1_000))],
    );
  }
  for (let start = 0; start < statuses.length; start += 1_000) {
    await query(
      `INSERT INTO delivery_statuses (${statusColumns}) SELECT ${statusColumns} FROM json_populate_recordset(NULL::delivery_statuses, $1::json) ON CONFLICT DO NOTHING`,
      [JSON.stringify(statuses.slice(start, start + 1_000))],
    );
  }
}
