import * as z from "zod/mini";
import { telesignPhoneNumber } from "../mapping/phone-number.ts";
import { publicIpAddress } from "../support/public-ip.ts";

/**
 * Okta's telephony inline hook request, validated leniently where Okta's own sources disagree:
 * the voice `deliveryChannel` spelling, the `locale` form and the type of `otpCode`.
 * Fields that only describe the call (ids, request type, locale) never fail a delivery.
 */

export const knownRequestTypes = [
  "com.okta.user.telephony.pre-enrollment",
  "com.okta.user.telephony.mfa-verification",
  "com.okta.user.telephony.account-unlock",
  "com.okta.user.telephony.password-reset",
] as const;

export type DeliveryChannel = "sms" | "voice";

export type Delivery =
  /** `text` is Okta's `msgTemplate`: the finished message, code included (`otpCode` when Okta sent it). */
  | { channel: "sms"; phoneNumber: string; text: string; otpCode?: string }
  | { channel: "voice"; phoneNumber: string; otpCode: string };

export interface TelephonyRequest {
  eventId?: string;
  /** ISO-8601, as Okta sent it; a repeat of the same event carries the same. */
  eventTime?: string;
  /** When the code expires (ISO-8601), as Okta sent it. */
  otpExpires?: string;
  requestType?: string;
  /** `data.context.request.id`: links the hook call to Okta's System Log. */
  oktaRequestId?: string;
  /**
   * `data.context.request.ipAddress` when it is a public address: the end user's, as Okta saw it.
   * A loopback (Okta's Preview sends 127.0.0.1), private or reserved address says nothing of the
   * end user and is left out.
   */
  endUserIp?: string;
  /** The host of `source` (`https://{oktaDomain}/api/v1/inlineHooks/{id}`): the org's Okta domain, when well-formed. */
  oktaHost?: string;
  /** `data.userProfile.userId` and `.login`: whose code it is (records, never Telesign). */
  oktaUserId?: string;
  oktaLogin?: string;
  locale?: string;
  delivery: Delivery;
}

/** `SMS` is fixed; the voice value has been `CALL`, `voice call`, `Voice` and `Voice Call`. */
export function deliveryChannelOf(value: string): DeliveryChannel | undefined {
  const spelling = value.trim().toLowerCase();
  if (spelling === "sms") return "sms";
  if (spelling.includes("voice") || spelling.includes("call")) return "voice";
  return undefined;
}

const description = z.catch(z.optional(z.string()), undefined);

/** The error of a required field: missing, or present with the wrong type. */
function required(expected: string) {
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${expected}`),
  };
}

/** A string read through `read`, which answers undefined when the value is not acceptable. */
function readString<T>(read: (value: string) => T | undefined, reason: string) {
  return z.pipe(
    z.string(required("a string")),
    z.transform((value, context) => {
      const result = read(value);
      if (result === undefined) {
        context.issues.push({ code: "custom", message: reason, input: value });
        return z.NEVER;
      }
      return result;
    }),
  );
}

const otpCode = z.union(
  [
    z.string().check(z.trim(), z.regex(/^[0-9A-Za-z]{1,20}$/)),
    // A number arrives without leading zeros already; refuse one that lost digits in parsing.
    z.pipe(
      z.number().check(z.multipleOf(1), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)),
      z.transform((code) => String(code)),
    ),
  ],
  { error: "must be 1 to 20 letters or digits" },
);

const messageProfileSchema = z.object(
  {
    msgTemplate: z.optional(z.string({ error: "must be a string" })),
    phoneNumber: readString(telesignPhoneNumber, "must be a phone number of 7 to 15 digits"),
    deliveryChannel: readString(deliveryChannelOf, "must be SMS or a voice call"),
    otpCode: z.optional(z.unknown()),
    otpExpires: description,
    locale: description,
  },
  required("an object"),
);

const telephonyRequestSchema = z.object(
  {
    eventId: description,
    eventTime: description,
    requestType: description,
    source: description,
    data: z.object(
      {
        context: z.catch(
          z.optional(
            z.object({
              request: z.catch(z.optional(z.object({ id: description, ipAddress: description })), undefined),
            }),
          ),
          undefined,
        ),
        messageProfile: messageProfileSchema,
        userProfile: z.catch(z.optional(z.object({ userId: description, login: description })), undefined),
      },
      required("an object"),
    ),
  },
  { error: "must be a JSON object" },
);

export type RequestIssue = { location: string; reason: string };

export type ParsedTelephonyRequest =
  | { ok: true; request: TelephonyRequest }
  /** Issues name the failing fields and what they must be, never their values. */
  | { ok: false; issues: RequestIssue[] };

const messageProfilePath = "data.messageProfile";

function locationOf(path: PropertyKey[]): string {
  return path.map(String).join(".") || "(body)";
}

export function parseTelephonyRequest(body: unknown): ParsedTelephonyRequest {
  const parsed = telephonyRequestSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        location: locationOf(issue.path),
        reason: issue.message,
      })),
    };
  }
  const { eventId, eventTime, requestType, source, data } = parsed.data;
  const profile = data.messageProfile;

  let delivery: Delivery;
  const code = otpCode.safeParse(profile.otpCode);
  const codeIssue = {
    location: `${messageProfilePath}.otpCode`,
    reason: profile.otpCode === undefined ? "is required for voice" : "must be 1 to 20 letters or digits",
  };
  if (profile.deliveryChannel === "sms") {
    if (profile.msgTemplate === undefined || profile.msgTemplate.trim() === "") {
      return {
        ok: false,
        issues: [{ location: `${messageProfilePath}.msgTemplate`, reason: "is required for SMS" }],
      };
    }
    if (profile.otpCode !== undefined && !code.success) return { ok: false, issues: [codeIssue] };
    delivery = { channel: "sms", phoneNumber: profile.phoneNumber, text: profile.msgTemplate };
    if (code.success) delivery.otpCode = code.data;
  } else {
    if (!code.success) return { ok: false, issues: [codeIssue] };
    delivery = { channel: "voice", phoneNumber: profile.phoneNumber, otpCode: code.data };
  }

  const request: TelephonyRequest = { delivery };
  if (eventId !== undefined) request.eventId = eventId;
  if (eventTime !== undefined) request.eventTime = eventTime;
  if (profile.otpExpires !== undefined) request.otpExpires = profile.otpExpires;
  if (requestType !== undefined) request.requestType = requestType;
  const oktaHost = oktaHostOf(source);
  if (oktaHost !== undefined) request.oktaHost = oktaHost;
  if (data.context?.request?.id !== undefined) request.oktaRequestId = data.context.request.id;
  const endUserIp = publicIpAddress(data.context?.request?.ipAddress);
  if (endUserIp !== undefined) request.endUserIp = endUserIp;
  if (data.userProfile?.userId !== undefined) request.oktaUserId = data.userProfile.userId;
  if (data.userProfile?.login !== undefined) request.oktaLogin = data.userProfile.login;
  if (profile.locale !== undefined) request.locale = profile.locale;
  return { ok: true, request };
}

/** The host of Okta's `source` URL when it is `https://{host}/api/v1/inlineHooks/{id}`, in lower case. */
function oktaHostOf(source: string | undefined): string | undefined {
  if (source === undefined || !URL.canParse(source)) return undefined;
  const url = new URL(source);
  const wellFormed =
    url.protocol === "https:" &&
    url.port === "" &&
    url.username === "" &&
    url.password === "" &&
    /^\/api\/v1\/inlineHooks\/[A-Za-z0-9]+$/.test(url.pathname) &&
    /^[a-z\d](?:[a-z\d-]*[a-z\d])?(?:\.[a-z\d](?:[a-z\d-]*[a-z\d])?)+$/.test(url.hostname);
  return wellFormed ? url.hostname : undefined;
}

export function isKnownRequestType(requestType: string | undefined): boolean {
  return (knownRequestTypes as readonly (string | undefined)[]).includes(requestType);
}

const minuteMs = 60_000;

/**
 * When the request's code expires (ms since epoch): Okta's `otpExpires`, else five minutes after
 * the event, kept between 30 s and 15 minutes from `now` whatever the request says.
 */
export function codeExpiry({ otpExpires, eventTime }: TelephonyRequest, now = Date.now()): number {
  const stated = Date.parse(otpExpires ?? "") || Date.parse(eventTime ?? "") + 5 * minuteMs || now + 5 * minuteMs;
  return Math.min(Math.max(stated, now + 30_000), now + 15 * minuteMs);
}
