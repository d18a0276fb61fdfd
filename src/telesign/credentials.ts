/** How this hook reaches a Telesign account: where, with which credential, how it signs. */

export type TelesignAuthMethod = "basic" | "digest";

/** A Telesign customer id and API key: the key signs requests and callbacks. */
export interface TelesignCredential {
  customerId: string;
  apiKey: string;
}

export interface TelesignConfig {
  apiUrl: string;
  authMethod: TelesignAuthMethod;
  timeoutMs: number;
  smsSenderId?: string;
  /** In passthrough mode the hook sends with each request's own; this one only reads status. */
  credential?: TelesignCredential;
}
