import sample from "../fixtures/okta/sms-pre-enrollment.json" with { type: "json" };
import { markSensitive, minSensitiveLength } from "./sensitive.ts";

export type OktaRequestBody = typeof sample;
export type MessageProfile = Record<string, unknown>;

/** Okta's official sample request, with message profile fields replaced or removed (`undefined`). */
export function oktaRequest(profile: MessageProfile = {}, top: Record<string, unknown> = {}): OktaRequestBody {
  const body = sampleWith(profile, top);
  const messageProfile = body.data.messageProfile as MessageProfile;
  // Every log line of the test file is checked for these; values too short to tell from a
  // timestamp's digits (an invalid "42") are left to the tests that check their own logs.
  const values = [
    messageProfile.otpCode,
    messageProfile.msgTemplate,
    messageProfile.phoneNumber,
    String(messageProfile.phoneNumber ?? "").replace(/\D/g, ""),
  ];
  markSensitive(
    ...values
      .filter((value) => typeof value === "string" || typeof value === "number")
      .map(String)
      .filter((value) => value.trim().length >= minSensitiveLength),
  );
  return body;
}

/** The same, without registering its values as sensitive (for generated values of any length). */
export function sampleWith(profile: MessageProfile = {}, top: Record<string, unknown> = {}): OktaRequestBody {
  const body = structuredClone(sample) as OktaRequestBody & Record<string, unknown>;
  Object.assign(body, top);
  const messageProfile = body.data.messageProfile as MessageProfile;
  for (const [field, value] of Object.entries(profile)) {
    if (value === undefined) delete messageProfile[field];
    else messageProfile[field] = value;
  }
  return body;
}

export const requestTypes = [
  "com.okta.user.telephony.pre-enrollment",
  "com.okta.user.telephony.mfa-verification",
  "com.okta.user.telephony.account-unlock",
  "com.okta.user.telephony.password-reset",
] as const;
