import { timingSafeEqual } from "node:crypto";

/**
 * Telesign's signatures as the simulator checks and makes them, written from Telesign's
 * documentation apart from the hook's own signing code (and on Web Crypto rather than node:crypto's
 * HMAC), so that a signing bug in the hook fails against the simulator instead of being mirrored.
 */

export interface TelesignAccount {
  customerId: string;
  apiKey: string;
}

/** The parts of a request that Telesign's digest covers. */
export interface DigestedRequest {
  method: string;
  /** Empty when the request has no body. */
  contentType: string;
  date: string;
  nonce: string;
  /** Empty when the request has no body. */
  body: string;
  path: string;
}

const encoder = new TextEncoder();

function hmacKey(apiKey: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", Buffer.from(apiKey, "base64"), { name: "HMAC", hash: "SHA-256" }, false, [
    usage,
  ]);
}

/** Strict base64: the bytes, or undefined for text that is not exactly their base64 (no base64url, no junk). */
function base64Bytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? new Uint8Array(bytes) : undefined;
}

/** The text Telesign signs for a request: method, content type, date, auth method, nonce, body (if any), path. */
export function digestedText({ method, contentType, date, nonce, body, path }: DigestedRequest): string {
  const bodyLine = body === "" ? "" : `${body}\n`;
  return `${method}\n${contentType}\n${date}\nx-ts-auth-method:HMAC-SHA256\nx-ts-nonce:${nonce}\n${bodyLine}${path}`;
}

/** base64(HMAC-SHA256(key = base64decode(apiKey), text)): how Telesign signs its delivery-status callbacks. */
export async function telesignSignature(apiKey: string, text: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(apiKey, "sign"), encoder.encode(text));
  return Buffer.from(signature).toString("base64");
}

/** Whether `authorization` is `TSA <customerId>:<signature>` over this request; Web Crypto verifies in constant time. */
export async function digestValid(
  authorization: string,
  request: DigestedRequest,
  { customerId, apiKey }: TelesignAccount,
): Promise<boolean> {
  const [, id, encoded = ""] = /^TSA ([^\s:]+):(\S+)$/.exec(authorization) ?? [];
  const signature = base64Bytes(encoded);
  if (id !== customerId || signature === undefined) return false;
  return crypto.subtle.verify(
    "HMAC",
    await hmacKey(apiKey, "verify"),
    signature,
    encoder.encode(digestedText(request)),
  );
}

/** Whether `authorization` is `Basic base64(<customerId>:<apiKey>)` for this account. */
export function basicValid(authorization: string, { customerId, apiKey }: TelesignAccount): boolean {
  const [, encoded] = /^Basic (\S+)$/.exec(authorization) ?? [];
  const received = encoded === undefined ? undefined : base64Bytes(encoded);
  const expected = Buffer.from(`${customerId}:${apiKey}`, "utf8");
  return received !== undefined && received.length === expected.length && timingSafeEqual(received, expected);
}
