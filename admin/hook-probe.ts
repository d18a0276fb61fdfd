import { jsonValueOf } from "../src/http/json.ts";
import { errorSummaries } from "../src/okta/telephony-response.ts";
import { messageOf } from "../src/support/error-text.ts";

/** The deployed hook, probed without sending anything: what it answers and the tokens it verifies. */

export type Probe = "accepted" | "refused" | "not configured" | { unexpected: string };

/** What the deployed hook answers an empty request (`{}`, nothing it would send): its status, error and challenge. */
type HookAnswer = { status: number; errorSummary: unknown; challenge: string | null } | { unexpected: string };

async function askHook(url: string, headers: Record<string, string>, fetchHook: typeof fetch): Promise<HookAnswer> {
  let response: Response;
  try {
    response = await fetchHook(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: "{}",
      redirect: "manual",
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return { unexpected: messageOf(error) };
  }
  const answer = jsonValueOf(await response.text().catch(() => "")) as
    | { error?: { errorSummary?: unknown } }
    | undefined;
  return {
    status: response.status,
    errorSummary: response.status === 200 ? answer?.error?.errorSummary : undefined,
    challenge: response.headers.get("www-authenticate"),
  };
}

/**
 * Whether the deployed hook accepts a secret, asked without sending anything: an empty request
 * that the hook refuses (401) or, once authenticated, answers "Not a valid Okta request".
 */
export async function probeHook(
  url: string,
  headerKey: string,
  secret: string,
  fetchHook: typeof fetch = fetch,
): Promise<Probe> {
  const answer = await askHook(url, { [headerKey]: secret }, fetchHook);
  if ("unexpected" in answer) return answer;
  if (answer.status === 401) return "refused";
  if (answer.errorSummary === errorSummaries.invalidRequest) return "accepted";
  if (answer.errorSummary === errorSummaries.notConfigured) return "not configured";
  return { unexpected: `HTTP ${answer.status}` };
}

/** What Okta's tokens will be, as the deployed hook must verify them. */
interface ExpectedTokens {
  issuer: string;
  scope: string;
  audience: string;
  clientId: string;
}

export type OAuthProbe =
  | "accepted"
  | "not oauth"
  | "not configured"
  /** What the deployed hook verifies otherwise, one phrase per difference. */
  | { differences: string[] }
  | { unexpected: string };

/**
 * Whether the deployed hook verifies Okta's tokens as they will be, asked without a token: in
 * oauth mode it refuses with 401 and `WWW-Authenticate: Bearer realm="<issuer>", scope="<scope>",
 * audience="<audience>"` and `client_id="<client id>"` when it is pinned to one client. A deploy
 * pinned to another client, or expecting another issuer, scope or audience, would refuse every token.
 */
export async function probeOAuth(
  url: string,
  expected: ExpectedTokens,
  fetchHook: typeof fetch = fetch,
): Promise<OAuthProbe> {
  const answer = await askHook(url, {}, fetchHook);
  if ("unexpected" in answer) return answer;
  if (answer.status === 200 && answer.errorSummary === errorSummaries.notConfigured) return "not configured";
  if (answer.status !== 401) return { unexpected: `HTTP ${answer.status}` };
  const challenge = bearerChallengeOf(answer.challenge);
  if (challenge === undefined) return "not oauth";
  const trimmed = (value: string | undefined) => value?.replace(/\/+$/, "");
  const said = (value: string | undefined) => (value === undefined ? "none named" : value);
  const differences: string[] = [];
  if (trimmed(challenge.realm) !== trimmed(expected.issuer))
    differences.push(`issuer ${said(challenge.realm)}, not ${expected.issuer}`);
  if (challenge.scope !== expected.scope) differences.push(`scope ${said(challenge.scope)}, not ${expected.scope}`);
  if (challenge.audience !== expected.audience)
    differences.push(`audience ${said(challenge.audience)}, not ${expected.audience}`);
  // No client_id: the deploy accepts any client of that server holding the scope (npm run check warns).
  if (challenge.client_id !== undefined && challenge.client_id !== expected.clientId)
    differences.push(`client ${challenge.client_id}, not ${expected.clientId}`);
  return differences.length === 0 ? "accepted" : { differences };
}

/** The parameters of a `Bearer` challenge (RFC 6750), or undefined when there is none. */
function bearerChallengeOf(header: string | null): Record<string, string> | undefined {
  const params = /^\s*Bearer\b(.*)$/i.exec(header ?? "")?.[1];
  if (params === undefined) return undefined;
  const found: Record<string, string> = {};
  for (const [, name, value] of params.matchAll(/([A-Za-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
    if (name !== undefined && value !== undefined) found[name.toLowerCase()] = value.replace(/\\(.)/g, "$1");
  }
  return found;
}
