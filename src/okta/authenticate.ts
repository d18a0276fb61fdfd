import type { OktaAuthentication, TelesignCredential } from "../config.ts";
import { secretsEqual } from "../constant-time.ts";

/**
 * Okta's authentication of each hook call, checked before anything else. It fails closed: a
 * missing or malformed header is a failure, never a pass.
 */

export type Authentication =
  /** In passthrough mode, the Telesign credential that Okta's header carried. */
  | { ok: true; telesignCredential?: TelesignCredential }
  /** `reason` is for the logs and never repeats the header's value. */
  | { ok: false; reason: string };

export function authenticateOkta(headers: Headers, authentication: OktaAuthentication): Authentication {
  const value = headers.get(authentication.headerName);
  if (value === null || value === "") {
    return { ok: false, reason: `missing ${authentication.headerName} header` };
  }
  return authentication.mode === "header"
    ? matchSecret(value, authentication.secrets)
    : telesignCredentialOf(value, authentication.customerId);
}

function matchSecret(value: string, secrets: string[]): Authentication {
  // Every secret is compared, so that timing does not tell which one (or how many) matched.
  let matched = false;
  for (const secret of secrets) matched = secretsEqual(value, secret) || matched;
  return matched ? { ok: true } : { ok: false, reason: "header value matches no configured secret" };
}

const basicScheme = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;

function telesignCredentialOf(value: string, allowedCustomerId: string | undefined): Authentication {
  const encoded = basicScheme.exec(value)?.[1];
  const decoded = encoded === undefined ? "" : Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 1 || colon === decoded.length - 1) {
    return { ok: false, reason: "header is not Basic base64(customerId:apiKey)" };
  }
  const customerId = decoded.slice(0, colon);
  if (allowedCustomerId !== undefined && !secretsEqual(customerId, allowedCustomerId)) {
    return { ok: false, reason: "customer id is not TELESIGN_CUSTOMER_ID" };
  }
  return { ok: true, telesignCredential: { customerId, apiKey: decoded.slice(colon + 1) } };
}
