import { createHmac, randomUUID } from "node:crypto";
import type { TelesignAuthMethod, TelesignCredential } from "./credentials.ts";

/**
 * Telesign's two ways to authenticate a request: Basic, and the "TSA" HMAC-SHA256 digest over
 * method, content type, date, nonce, body and path.
 */

export function basicAuthorization({ customerId, apiKey }: TelesignCredential): string {
  return `Basic ${Buffer.from(`${customerId}:${apiKey}`).toString("base64")}`;
}

export interface SignedParts {
  method: string;
  /** Empty for a request without a body. */
  contentType: string;
  date: string;
  nonce: string;
  body?: string;
  path: string;
}

/** The string Telesign signs: one line per part, the body line only when there is a body. */
export function stringToSign({ method, contentType, date, nonce, body, path }: SignedParts): string {
  const lines = [method, contentType, date, "x-ts-auth-method:HMAC-SHA256", `x-ts-nonce:${nonce}`];
  if (body) lines.push(body);
  lines.push(path);
  return lines.join("\n");
}

/** base64(HMAC-SHA256(base64decode(apiKey), message)): the request digest and the callback signature alike. */
export function hmacSignature(apiKey: string, message: string | Uint8Array): string {
  return createHmac("sha256", Buffer.from(apiKey, "base64")).update(message).digest("base64");
}

export function digestAuthorization(credential: TelesignCredential, parts: SignedParts): string {
  return `TSA ${credential.customerId}:${hmacSignature(credential.apiKey, stringToSign(parts))}`;
}

/** The headers that authenticate one request; a digest gets a fresh date and nonce each time. */
export function authenticationHeaders(
  authMethod: TelesignAuthMethod,
  credential: TelesignCredential,
  request: { method: string; path: string; contentType: string; body?: string },
): Record<string, string> {
  if (authMethod === "basic") return { authorization: basicAuthorization(credential) };
  const date = new Date().toUTCString();
  const nonce = randomUUID();
  return {
    authorization: digestAuthorization(credential, { ...request, date, nonce }),
    date,
    "x-ts-auth-method": "HMAC-SHA256",
    "x-ts-nonce": nonce,
  };
}
