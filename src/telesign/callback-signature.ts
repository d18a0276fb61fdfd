import { secretsEqual } from "../support/constant-time.ts";
import type { TelesignCredential } from "./credentials.ts";
import { hmacSignature } from "./request-signing.ts";

/**
 * Whether a delivery-status callback comes from Telesign: base64(HMAC-SHA256(base64decode(apiKey),
 * raw body bytes)), sent as `Authorization: TSA <customerId>:<signature>` and in
 * `X-TS-Authorization`, bare or in the same TSA form. The raw bytes are hashed, never
 * re-serialised JSON; the comparison is constant-time.
 */
export function callbackSignatureValid(headers: Headers, rawBody: Uint8Array, credential: TelesignCredential): boolean {
  const expected = hmacSignature(credential.apiKey, rawBody);
  const signatures = [
    signatureOf(headers.get("authorization"), credential.customerId, false),
    signatureOf(headers.get("x-ts-authorization"), credential.customerId, true),
  ];
  let valid = false;
  for (const signature of signatures) valid = (signature !== undefined && secretsEqual(signature, expected)) || valid;
  return valid;
}

function signatureOf(value: string | null, customerId: string, bareAllowed: boolean): string | undefined {
  const header = value?.trim();
  if (!header) return undefined;
  const tsa = /^TSA\s+([^\s:]+):(\S+)$/i.exec(header);
  if (tsa !== null) return tsa[1] === customerId ? tsa[2] : undefined;
  return bareAllowed && /^[A-Za-z0-9+/]+={0,2}$/.test(header) ? header : undefined;
}
