import * as z from "zod/mini";
import { jsonValueOf } from "../http/json.ts";
import { exchange, type TelesignClientOptions } from "./client.ts";
import { TelesignHttpError } from "./errors.ts";

/**
 * Telesign Intelligence (Score): `POST /v1/score/{phone_number}`, form-encoded, with the same
 * credential as Messaging. Telesign answers a risk score (0 to 1000), a level and a
 * recommendation: `allow`, `flag` or `block`.
 */

/** How errors name the endpoint: never with the number its path carries. */
const scoreEndpoint = "POST /v1/score";

export type LifecycleEvent = "create" | "sign-in" | "transact" | "update" | "delete";

export interface ScoreRequest {
  /** Digits only, country code first. */
  phoneNumber: string;
  event: LifecycleEvent;
  /** The end user's public address, when known. */
  originatingIp?: string;
}

export interface RiskScore {
  recommendation: "allow" | "flag" | "block";
  score?: number;
  level?: string;
}

const scoreAnswerSchema = z.object({
  risk: z.object({
    recommendation: z
      .pipe(
        z.string(),
        z.transform((value) => value.toLowerCase()),
      )
      .check(z.refine((value) => ["allow", "flag", "block"].includes(value))),
    // Kept only in the shapes Telesign documents (0 to 1000; a word such as "medium-low"): anything
    // else is dropped, so that the day's cache of the answer can always be written.
    score: z.catch(z.optional(z.int().check(z.minimum(0), z.maximum(1_000))), undefined),
    level: z.catch(z.optional(z.string().check(z.regex(/^[a-z][a-z -]{0,31}$/i))), undefined),
  }),
});

/**
 * Telesign's risk score of a number; rejects with a TelesignError when Telesign does not answer
 * one in time (a TelesignHttpError carries the HTTP status: 401 or 403 when the account has no
 * Intelligence).
 */
export async function scorePhoneNumber(
  { phoneNumber, event, originatingIp }: ScoreRequest,
  options: TelesignClientOptions,
): Promise<RiskScore> {
  const path = `/v1/score/${encodeURIComponent(phoneNumber)}`;
  const form = new URLSearchParams({ account_lifecycle_event: event });
  if (originatingIp !== undefined) form.set("originating_ip", originatingIp);
  const content = { type: "application/x-www-form-urlencoded", body: form.toString() };
  const received = await exchange("POST", path, options, content, scoreEndpoint);
  const answer = scoreAnswerSchema.safeParse(jsonValueOf(received.text));
  if (received.status !== 200 || !answer.success) throw new TelesignHttpError(scoreEndpoint, received.status);
  const { recommendation, score, level } = answer.data.risk;
  return {
    recommendation: recommendation as RiskScore["recommendation"],
    ...(score !== undefined && { score }),
    ...(level !== undefined && { level }),
  };
}
