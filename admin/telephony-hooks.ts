import { randomBytes } from "node:crypto";
import type { InlineHooks } from "./okta-management.ts";

/**
 * The org's telephony hook, converged on what the admin asks: registered, inspected, previewed
 * through Okta, its secret rotated. Every step that could fail a sign-in is checked against the
 * deployed hook first: Okta is never told a secret the deploy does not accept yet.
 */

export interface CommandOutcome {
  /** Whether the command did what was asked (exit 0) or not (exit 1). */
  ok: boolean;
  /** The command could not do its work: `text` is one sentence saying why, for stderr. */
  error?: true;
  /** What to show the admin, line by line. */
  text: string[];
  /** The same, for scripts (`--json`); never a secret unless it was generated for the admin. */
  json: Record<string, unknown>;
}

/** How Okta authenticates to the hook. */
export type HookAuth =
  | { kind: "header"; headerKey: string; secret: string | undefined }
  | {
      kind: "oauth";
      clientId: string;
      tokenUrl: string;
      scope: string;
      /** The audience of the authorization server's tokens (its Audience, `api://default` for the default one). */
      audience: string;
      /** client_secret_post: the client secret; private_key_jwt: Okta's hook key id. */
      clientSecret?: string;
      keyId?: string;
    };

export interface AdminTools {
  hooks: InlineHooks;
  /** For probing the deployed hook (a request it refuses or answers "Not a valid Okta request"; never a message). */
  fetch?: typeof fetch;
  /** A new header secret: 32 random bytes unless tests say otherwise. */
  newSecret?: () => string;
  /** Waits out Okta's rate limit before a step that puts the org back on an active hook (tests: no real wait). */
  sleep?: (ms: number) => Promise<void>;
  /** The clock the rate limit's reset is read against (epoch ms). */
  now?: () => number;
  /** Says what a long step waits for, as it starts (stderr). */
  progress?: (line: string) => void;
}

export const defaultHookName = "Telesign SMS and voice";
export const hookPath = "/.netlify/functions/telesign";

/** The command that stores the hook's accepted secrets in Netlify (secret, Functions scope). */
export function storeSecretsCommand(value: string): string {
  return `netlify env:set OKTA_AUTH_SECRETS ${value} --secret --scope functions --context production`;
}

export const redeploy = "then Netlify › Deploys › Trigger deploy (or: netlify deploy --build --prod in a linked clone)";

/** A new header secret: 32 random bytes. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** A command that could not do its work, and why in one sentence. */
export function failed(sentence: string, json: Record<string, unknown>): CommandOutcome {
  return { ok: false, error: true, text: [sentence], json: { ...json, error: sentence } };
}
