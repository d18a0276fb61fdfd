/** How Okta authenticates its calls to the hook: the three ways an admin can register it. */

/** Okta's OAuth 2.0 access token: who issues it, for whom, with which scope, signed how. */
export interface OAuthSettings {
  issuer: string;
  audience: string;
  scope: string;
  /** The one client allowed to call; absent, any client of the authorization server holding the scope. */
  clientId?: string;
  jwksUrl: string;
  algorithms: string[];
}

export type OktaAuthentication =
  | { mode: "header"; headerName: string; secrets: string[] }
  /**
   * Okta's header carries `Basic base64(customerId:apiKey)`, used as the Telesign credential. With
   * an API key configured, the header must carry exactly that credential.
   */
  | { mode: "passthrough"; headerName: string; customerId?: string; apiKey?: string }
  /** Okta sends `Authorization: Bearer <JWT>` from its authorization server. */
  | ({ mode: "oauth"; headerName: "authorization" } & OAuthSettings);

export type OktaAuthMode = OktaAuthentication["mode"];
