import { randomBytes } from "node:crypto";
import {
  channelLabelOf,
  judgeAnswer,
  previewRequest,
  randomOtpCode,
  sentLabelOf,
  verdictLine,
} from "../preview/okta-preview.ts";
import { jsonValueOf } from "../src/http/json.ts";
import { maskPhoneNumber } from "../src/mapping/phone-number.ts";
import { errorSummaries } from "../src/okta/telephony-response.ts";
import { messageOf } from "../src/support/error-text.ts";
import {
  ChangeFailure,
  type InlineHooks,
  isOktaApiFailure,
  type OktaInlineHook,
  telephonyHookType,
} from "./okta-management.ts";

/**
 * The org's telephony hook, converged on what the admin asks: registered, inspected, previewed
 * through Okta, its secret rotated. Every step that could fail a sign-in is checked against the
 * deployed hook first: Okta is never told a secret the deploy does not accept yet.
 */

export interface Outcome {
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
}

export const defaultHookName = "Telesign SMS and voice";
const hookPath = "/.netlify/functions/telesign";

/** The command that stores the hook's accepted secrets in Netlify (secret, Functions scope). */
function storeSecretsCommand(value: string): string {
  return `netlify env:set OKTA_AUTH_SECRETS ${value} --secret --scope functions --context production`;
}

const redeploy = "then Netlify › Deploys › Trigger deploy (or: netlify deploy --build --prod in a linked clone)";

// setup ----------------------------------------------------------------------------------------

export interface SetupOptions {
  hookUrl: string;
  name: string;
  replace: boolean;
  auth: HookAuth;
}

export async function setupHook(tools: AdminTools, options: SetupOptions): Promise<Outcome> {
  const { hooks } = tools;
  const { hookUrl, auth } = options;
  const all = await hooks.listTelephony();
  const ours = all.filter((hook) => hook.channel.config.uri === hookUrl);
  const existing = ours.find((hook) => hook.status === "ACTIVE") ?? ours[0];
  const othersActive = all.filter((hook) => hook.status === "ACTIVE" && hook !== existing);
  if (othersActive.length > 0 && !options.replace) {
    const [other] = othersActive as [OktaInlineHook];
    return failed(
      `The org's active telephony hook is "${other.name}" (${other.id}), calling ${other.channel.config.uri}; Okta allows one active telephony hook. Run again with --replace to deactivate it and activate this one.`,
      { existing: other.id },
    );
  }
  const namesake = existing === undefined ? all.find((hook) => hook.name === options.name) : undefined;
  if (namesake !== undefined) {
    return failed(
      `Another telephony hook is named "${options.name}" (${namesake.id}, calling ${namesake.channel.config.uri}); Okta's names are unique: give this one another with --name. Nothing changed.`,
      { existing: namesake.id },
    );
  }

  // A new hook gets a new secret unless one is given; an existing one keeps its own (rotate-secret changes it).
  const supplied = auth.kind === "header" ? auth.secret : undefined;
  const generated = auth.kind === "header" && supplied === undefined && existing === undefined;
  const secret = supplied ?? (generated ? (tools.newSecret ?? newSecret)() : undefined);
  // Okta is told a secret only once the deploy accepts it: otherwise every sign-in would fail over to Okta's provider.
  if (secret !== undefined && auth.kind === "header") {
    const probe = await probeHook(hookUrl, auth.headerKey, secret, tools.fetch);
    if (probe !== "accepted") return notYetAccepted(probe, { hookUrl, secret, generated, headerKey: auth.headerKey });
  }

  if (existing === undefined && auth.kind === "oauth" && auth.keyId === undefined && auth.clientSecret === undefined) {
    return failed("Set OKTA_HOOK_CLIENT_SECRET to the app's client secret, or give --key-id for private_key_jwt.", {});
  }
  // Okta is switched to OAuth only once the deploy verifies that issuer's tokens.
  if (auth.kind === "oauth") {
    const probe = await probeOAuth(hookUrl, oauthIssuerOf(auth), auth.scope, tools.fetch);
    if (probe !== "accepted") return oauthNotYetAccepted(probe, hookUrl, auth);
  }

  const text: string[] = [];
  const change = new HookChange(hooks, all, text);
  let hook: OktaInlineHook;
  try {
    if (existing?.id === undefined) {
      hook = await change.create({ ...hookObject(options, secret), type: telephonyHookType }, othersActive);
      text.push(`Created the telephony hook "${hook.name}" (${hook.id}), calling ${hookUrl}.`);
    } else if (secret !== undefined || (auth.kind === "oauth" && (auth.clientSecret ?? auth.keyId) !== undefined)) {
      hook = await change.replace(existing.id, hookObject(options, secret));
      text.push(`Updated the telephony hook "${hook.name}" (${existing.id}) that calls ${hookUrl}.`);
    } else {
      hook = existing;
      text.push(
        `The telephony hook "${existing.name}" (${existing.id}) already calls ${hookUrl}; its authentication is unchanged (npm run okta -- rotate-secret changes a header secret).`,
      );
      if (existing.name !== options.name) {
        text.push(`Its name stays "${existing.name}": renaming resends the secret, so give it in OKTA_HOOK_SECRET.`);
      }
    }
    hook = await change.takeOver(hook, othersActive);
  } catch (error) {
    throw new ChangeFailure(error, await change.aftermath());
  }
  text.push(`It is the org's active telephony hook (${authLabel(hook)}).`);
  if (auth.kind === "oauth") text.push("", "The deployed hook verifies this issuer's tokens (it said so when asked).");
  text.push(
    "",
    `Check it end to end (sends a real message): npm run okta -- preview --hook-url ${hookUrl} --phone <E.164>`,
  );
  return { ok: true, text, json: { hook: summary(hook, hookUrl), generatedSecret: generated ? secret : undefined } };
}

/**
 * A change to the org's telephony hooks, ordered so that the org keeps an active one at every
 * step it can: ours is prepared (created or updated) while the other stays active; the other is
 * deactivated and ours activated last; a failure on the way reactivates the other. Okta creates
 * hooks ACTIVE and allows one active telephony hook, but does not document what a create does
 * while another is active, so each answer it may give is handled (docs/development.md).
 */
class HookChange {
  /** Each hook's status as Okta's last answers say, by id. */
  private readonly known = new Map<string, OktaInlineHook>();
  /** The other hooks this change deactivated. */
  private readonly deactivated: OktaInlineHook[] = [];
  private ours: OktaInlineHook | undefined;

  constructor(
    private readonly hooks: InlineHooks,
    all: OktaInlineHook[],
    private readonly text: string[],
  ) {
    for (const hook of all) if (hook.id !== undefined) this.known.set(hook.id, hook);
  }

  /** Creates ours beside the active other; should Okta refuse a second telephony hook, swaps them instead. */
  async create(object: OktaInlineHook & { type: string }, others: OktaInlineHook[]): Promise<OktaInlineHook> {
    try {
      return this.learn(await this.hooks.create(object), true);
    } catch (error) {
      if (others.length === 0 || !isOktaApiFailure(error) || error.status !== 400) throw error;
    }
    // Okta refused it while another is active: the other makes way, and comes back if this create fails.
    await this.deactivateOthers(others);
    return this.learn(await this.hooks.create(object), true);
  }

  async replace(id: string, object: OktaInlineHook): Promise<OktaInlineHook> {
    return this.learn(await this.hooks.replace(id, object), true);
  }

  /** Makes ours the one active telephony hook: the others deactivated, ours activated last. */
  async takeOver(ours: OktaInlineHook, others: OktaInlineHook[]): Promise<OktaInlineHook> {
    this.ours = ours;
    const stillActive = others.filter((other) => this.statusOf(other) === "ACTIVE");
    if (ours.status === "ACTIVE") {
      // Okta made ours active beside the other: deactivating the other leaves ours alone, never none.
      await this.deactivateOthers(stillActive);
      return ours;
    }
    await this.deactivateOthers(stillActive);
    const activated = this.learn(await this.hooks.activate(ours.id as string), true);
    this.text.push(stillActive.length > 0 ? "Activated it in their place." : "Activated it.");
    return activated;
  }

  /**
   * After a failed step: puts the org back on one active telephony hook (the other reactivated,
   * or ours deactivated if both are active), and says what it did and which hook is active now.
   */
  async aftermath(): Promise<string> {
    const said: string[] = [];
    let active = await this.activeNow();
    const ours = this.ours?.id;
    if (active.hooks.length === 0 && this.deactivated.length > 0) {
      for (const other of this.deactivated) {
        try {
          this.learn(await this.hooks.activate(other.id as string), false);
          said.push(`Reactivated "${other.name}" (${other.id}), which this run had deactivated.`);
        } catch {
          said.push(`Reactivating "${other.name}" (${other.id}) failed too.`);
        }
      }
      active = await this.activeNow();
    } else if (active.hooks.length > 1 && ours !== undefined && active.hooks.some((hook) => hook.id === ours)) {
      try {
        this.learn(await this.hooks.deactivate(ours), false);
        said.push("Deactivated this deploy's hook again, so that one telephony hook is active.");
      } catch {
        said.push("Deactivating this deploy's hook again failed too.");
      }
      active = await this.activeNow();
    }
    return [...said, activeSentence(active.hooks, active.confirmed)].join(" ");
  }

  private async deactivateOthers(others: OktaInlineHook[]) {
    for (const other of others) {
      if (other.id === undefined) continue;
      this.learn(await this.hooks.deactivate(other.id), false);
      this.deactivated.push(other);
      this.text.push(`Deactivated "${other.name}" (${other.id}), which called ${other.channel.config.uri}.`);
    }
  }

  /** The telephony hooks active now: Okta's list if it answers, else what its last answers said. */
  private async activeNow(): Promise<{ hooks: OktaInlineHook[]; confirmed: boolean }> {
    const listed = await this.hooks.listTelephony().catch(() => undefined);
    if (listed !== undefined) for (const hook of listed) this.learn(hook, false);
    const hooks = [...this.known.values()].filter((hook) => hook.status === "ACTIVE");
    return { hooks, confirmed: listed !== undefined };
  }

  private statusOf(hook: OktaInlineHook): string | undefined {
    return hook.id === undefined ? hook.status : this.known.get(hook.id)?.status;
  }

  private learn(hook: OktaInlineHook, isOurs: boolean): OktaInlineHook {
    if (hook.id !== undefined) this.known.set(hook.id, hook);
    if (isOurs) this.ours = hook;
    return hook;
  }
}

/** Which telephony hook is active now, as one sentence for a failure message. */
function activeSentence(active: OktaInlineHook[], confirmed: boolean): string {
  const source = confirmed ? "" : " (by Okta's last answers: npm run okta -- status shows the org as it is)";
  const [only] = active;
  if (active.length === 0) {
    return `The org has NO active telephony hook now${source}: Okta sends every code through its own provider until one is activated (run the command again, or Workflow › Inline Hooks in the Admin Console).`;
  }
  if (active.length === 1 && only !== undefined) {
    return `The org's active telephony hook now is "${only.name}" (${only.id}), calling ${only.channel.config.uri}${source}.`;
  }
  const names = active.map((hook) => `"${hook.name}" (${hook.id})`).join(", ");
  return `Several telephony hooks are active now${source}: ${names}; deactivate all but one in Workflow › Inline Hooks.`;
}

function hookObject({ name, hookUrl, auth }: SetupOptions, secret: string | undefined): OktaInlineHook {
  const base = { uri: hookUrl, method: "POST" };
  if (auth.kind === "header") {
    return {
      name,
      version: "1.0.0",
      channel: {
        type: "HTTP",
        version: "1.0.0",
        config: { ...base, headers: [], authScheme: { type: "HEADER", key: auth.headerKey, value: secret } },
      },
    };
  }
  const clientAuth =
    auth.keyId === undefined
      ? { authType: "client_secret_post" as const, clientSecret: auth.clientSecret }
      : { authType: "private_key_jwt" as const, hookKeyId: auth.keyId };
  return {
    name,
    version: "1.0.0",
    channel: {
      type: "OAUTH",
      version: "1.0.0",
      config: { ...base, clientId: auth.clientId, tokenUrl: auth.tokenUrl, scope: auth.scope, ...clientAuth },
    },
  };
}

function notYetAccepted(
  probe: Exclude<Probe, "accepted">,
  { hookUrl, secret, generated, headerKey }: { hookUrl: string; secret: string; generated: boolean; headerKey: string },
): Outcome {
  if (probe === "refused" && generated) {
    return {
      ok: true,
      text: [
        "Nothing is registered in Okta yet: the deployed hook must accept the secret first, or every sign-in would fail over to Okta's own provider.",
        "",
        "The new secret (shown once; keep it until setup is done):",
        "",
        `  ${secret}`,
        "",
        "1. Store it in Netlify (secret, Functions scope) and redeploy:",
        `     ${storeSecretsCommand(`'${secret}'`)}`,
        `     ${redeploy}`,
        "2. Run setup again with it:",
        `     OKTA_HOOK_SECRET='${secret}' npm run okta -- setup --hook-url ${hookUrl}`,
      ],
      json: {
        registered: false,
        generatedSecret: secret,
        next: "store the secret in Netlify, redeploy, run setup again",
      },
    };
  }
  const why = {
    refused: `the deployed hook refuses the secret in OKTA_HOOK_SECRET (header ${headerKey}): set the same in Netlify's OKTA_AUTH_SECRETS and redeploy, then run setup again`,
    "not configured":
      'the deployed hook answers "Hook not configured": set its variables in Netlify (npm run check -- --env-file <file> checks them) and redeploy',
  } as const;
  const reason =
    typeof probe === "string"
      ? why[probe]
      : `${hookUrl} does not answer as this hook does (${probe.unexpected}): check --hook-url and that the deploy is live`;
  return failed(`Nothing registered: ${reason}.`, { registered: false });
}

/** The issuer of the authorization server whose token URL Okta is given. */
function oauthIssuerOf(auth: Extract<HookAuth, { kind: "oauth" }>): string {
  return auth.tokenUrl.replace(/\/v1\/token$/, "");
}

function oauthNextSteps(auth: Extract<HookAuth, { kind: "oauth" }>): string[] {
  return [
    "The hook must verify Okta's tokens first: set in Netlify (Functions scope), redeploy, then run setup again:",
    "  netlify env:set OKTA_AUTH_MODE oauth --scope functions",
    `  netlify env:set OKTA_OAUTH_ISSUER '${oauthIssuerOf(auth)}' --scope functions`,
    `  netlify env:set OKTA_OAUTH_SCOPE '${auth.scope}' --scope functions`,
    `  netlify env:set OKTA_OAUTH_CLIENT_ID '${auth.clientId}' --scope functions`,
    `  ${redeploy}`,
  ];
}

function oauthNotYetAccepted(
  probe: Exclude<OAuthProbe, "accepted">,
  hookUrl: string,
  auth: Extract<HookAuth, { kind: "oauth" }>,
): Outcome {
  const issuer = oauthIssuerOf(auth);
  const why =
    probe === "not oauth"
      ? "the deployed hook does not verify OAuth 2.0 tokens yet (it asks for no Bearer token)"
      : probe === "not configured"
        ? 'the deployed hook answers "Hook not configured"'
        : "otherIssuer" in probe
          ? `the deployed hook verifies tokens of ${probe.otherIssuer}${probe.otherScope === undefined ? "" : ` (scope ${probe.otherScope})`}, not of ${issuer} (scope ${auth.scope})`
          : `${hookUrl} does not answer as this hook does (${probe.unexpected})`;
  const sentence = `Nothing registered: ${why}; Okta's calls would all be refused.`;
  return {
    ok: false,
    error: true,
    text: [sentence, ...oauthNextSteps(auth)],
    json: { registered: false, error: sentence, next: oauthNextSteps(auth).slice(1) },
  };
}

// status ---------------------------------------------------------------------------------------

export async function hookStatus(tools: AdminTools, hookUrl: string | undefined): Promise<Outcome> {
  const all = await tools.hooks.listTelephony();
  const ours = oursAmong(all, hookUrl);
  const text = all.length === 0 ? ["The org has no telephony hook."] : ["The org's telephony hooks:"];
  for (const hook of all) {
    const mark = hook.status === "ACTIVE" ? "●" : "○";
    const tag = ours.includes(hook) ? "   ← this deploy" : "";
    text.push(
      `  ${mark} ${(hook.status ?? "").padEnd(8)} "${hook.name}" (${hook.id})  ${hook.channel.config.uri}  ${authLabel(hook)}${tag}`,
    );
  }
  const active = ours.find((hook) => hook.status === "ACTIVE");
  const target = hookUrl ?? `a URL ending ${hookPath}`;
  text.push(
    "",
    active !== undefined
      ? `The hook at ${active.channel.config.uri} is the org's active telephony hook.`
      : ours.length > 0
        ? `The hook at ${target} is registered but not active: npm run okta -- setup --hook-url <its URL> activates it.`
        : `No telephony hook calls ${target}: npm run okta -- setup --hook-url <URL> registers it.`,
  );
  return {
    ok: active !== undefined,
    text,
    json: { hooks: all.map((hook) => summary(hook, hookUrl)), active: active?.id ?? null },
  };
}

/** Whether a hook points at this deploy: at `hookUrl`, or at any URL ending in the hook's path. */
function isThisDeploy(hook: OktaInlineHook, hookUrl: string | undefined): boolean {
  const { uri } = hook.channel.config;
  return hookUrl === undefined ? uri.endsWith(hookPath) : uri === hookUrl;
}

function oursAmong(all: OktaInlineHook[], hookUrl: string | undefined): OktaInlineHook[] {
  return all.filter((hook) => isThisDeploy(hook, hookUrl));
}

/** The one hook of this deploy that a command acts on, or the sentence that says why there is none. */
async function ourHook(hooks: InlineHooks, hookUrl: string | undefined): Promise<OktaInlineHook | string> {
  const ours = oursAmong(await hooks.listTelephony(), hookUrl);
  const active = ours.filter((hook) => hook.status === "ACTIVE");
  if (active.length === 1) return active[0] as OktaInlineHook;
  if (ours.length === 0) {
    return `No telephony hook calls ${hookUrl ?? `a URL ending ${hookPath}`}: register it with npm run okta -- setup --hook-url <URL>.`;
  }
  if (active.length === 0)
    return "This deploy's telephony hook is not active: npm run okta -- setup --hook-url <URL> activates it.";
  return "Several hooks call this deploy: name the one with --hook-url <URL>.";
}

function authLabel(hook: OktaInlineHook): string {
  const { config } = hook.channel;
  if (hook.channel.type === "OAUTH") return `OAuth 2.0 (${config.authType ?? "?"})`;
  return `header ${config.authScheme?.key ?? "?"}`;
}

/** A hook as scripts read it: never a secret (Okta does not return them anyway). */
function summary(hook: OktaInlineHook, hookUrl: string | undefined) {
  return {
    id: hook.id,
    name: hook.name,
    status: hook.status,
    url: hook.channel.config.uri,
    auth: authLabel(hook),
    thisDeploy: isThisDeploy(hook, hookUrl),
  };
}

// preview --------------------------------------------------------------------------------------

export interface PreviewOptions {
  hookUrl: string | undefined;
  phone: string;
  channel: "sms" | "voice";
  requestType: string;
}

/** Okta's own preview: Okta calls the deployed hook with a fresh request, and a real message goes out. */
export async function previewThroughOkta(
  tools: AdminTools,
  options: PreviewOptions,
  announce: (line: string) => void,
): Promise<Outcome> {
  const hook = await ourHook(tools.hooks, options.hookUrl);
  if (typeof hook === "string") return failed(hook, {});
  const request = previewRequest({
    requestType: options.requestType,
    channel: options.channel,
    phoneNumber: options.phone,
    locale: "EN-US",
    otpCode: randomOtpCode(),
  });
  const sent = channelLabelOf(request.data.messageProfile.deliveryChannel);
  announce(
    `Okta calls "${hook.name}" (${hook.channel.config.uri}) now: a REAL ${sent} goes to ${maskPhoneNumber(options.phone.replace("+", ""))}.`,
  );
  const started = performance.now();
  let body: string;
  let httpStatus = 200;
  try {
    body = JSON.stringify(await tools.hooks.execute(hook.id as string, request));
  } catch (error) {
    // Okta answers 400 when the hook's answer breaks its contract: Okta would skip the hook.
    if (!isOktaApiFailure(error) || error.status !== 400) throw error;
    httpStatus = 400;
    body = JSON.stringify({ okta: error.errorSummary });
  }
  const durationMs = Math.round(performance.now() - started);
  const judgement = judgeAnswer({ httpStatus, durationMs, body });
  return {
    ok: judgement.verdict === "accept",
    text: [verdictLine(judgement, sentLabelOf(request), durationMs)],
    json: { hook: hook.id, verdict: judgement.verdict, explanation: judgement.explanation, durationMs, answer: body },
  };
}

// rotate-secret --------------------------------------------------------------------------------

export interface RotationOptions {
  hookUrl: string | undefined;
  /** The secret Okta sends now. */
  current: string | undefined;
  /** The secret to move to; generated (and shown once) when absent. */
  next: string | undefined;
}

/**
 * Moves Okta and the deploy to a new header secret without a failed sign-in, using the hook's
 * two accepted secrets. Each run looks at where things stand and does the next step it can; the
 * steps only the admin can do (Netlify's variables, a deploy) are printed as exact commands.
 */
export async function rotateSecret(tools: AdminTools, options: RotationOptions): Promise<Outcome> {
  const hook = await ourHook(tools.hooks, options.hookUrl);
  if (typeof hook === "string") return failed(hook, {});
  const { config } = hook.channel;
  if (hook.channel.type !== "HTTP" || config.authScheme == null) {
    return failed(
      "This hook authenticates with OAuth 2.0: rotate its client secret or key in Okta (docs/oauth.md).",
      {},
    );
  }
  if (options.current === undefined) {
    return failed(
      "Give the secret Okta sends now in OKTA_HOOK_SECRET: the rotation keeps it working until the end.",
      {},
    );
  }
  const headerKey = config.authScheme.key;
  const uri = config.uri;
  const generated = options.next === undefined;
  const next = options.next ?? (tools.newSecret ?? newSecret)();
  const [current, upcoming] = await Promise.all([
    probeHook(uri, headerKey, options.current, tools.fetch),
    generated ? Promise.resolve<Probe>("refused") : probeHook(uri, headerKey, next, tools.fetch),
  ]);
  const again = `npm run okta -- rotate-secret --hook-url ${uri}`;

  if (upcoming !== "accepted" && current === "accepted") {
    return {
      ok: true,
      text: [
        "Step 1 of 3: the deploy must accept both secrets.",
        ...(generated ? ["", "The new secret (shown once):", "", `  ${next}`, ""] : []),
        `  export OKTA_HOOK_NEW_SECRET='${generated ? next : "<the new secret>"}'`,
        `  ${storeSecretsCommand('"$OKTA_HOOK_NEW_SECRET,$OKTA_HOOK_SECRET"')}`,
        `  ${redeploy}`,
        `  ${again}        (with OKTA_HOOK_SECRET and OKTA_HOOK_NEW_SECRET set)`,
      ],
      json: { step: 1, generatedSecret: generated ? next : undefined },
    };
  }
  if (upcoming !== "accepted") {
    return failed(
      "The deployed hook accepts neither OKTA_HOOK_SECRET nor OKTA_HOOK_NEW_SECRET: check OKTA_AUTH_SECRETS in Netlify and the deploy.",
      {},
    );
  }
  // The deploy accepts the new secret: Okta may send it. PUT replaces the hook whole, secret included.
  await tools.hooks.replace(hook.id as string, {
    name: hook.name,
    version: hook.version,
    channel: { ...hook.channel, config: { ...config, authScheme: { type: "HEADER", key: headerKey, value: next } } },
  });
  if (current === "accepted") {
    return {
      ok: true,
      text: [
        `Step 2 of 3 done: Okta now sends the new secret to "${hook.name}" (${hook.id}).`,
        "Step 3: let the deploy accept the new secret alone:",
        `  ${storeSecretsCommand('"$OKTA_HOOK_NEW_SECRET"')}`,
        `  ${redeploy}`,
        `  ${again}        (to confirm)`,
      ],
      json: { step: 2 },
    };
  }
  return {
    ok: true,
    text: [`The rotation is complete: Okta sends the new secret, and the deploy accepts it alone.`],
    json: { step: 3, complete: true },
  };
}

// the deployed hook, probed --------------------------------------------------------------------

type Probe = "accepted" | "refused" | "not configured" | { unexpected: string };

/**
 * Whether the deployed hook accepts a secret, asked without sending anything: an empty request
 * that the hook refuses (401) or, once authenticated, answers "Not a valid Okta request".
 */
async function probeHook(
  url: string,
  headerKey: string,
  secret: string,
  fetchHook: typeof fetch = fetch,
): Promise<Probe> {
  let response: Response;
  try {
    response = await fetchHook(url, {
      method: "POST",
      headers: { "content-type": "application/json", [headerKey]: secret },
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
  const errorSummary = response.status === 200 ? answer?.error?.errorSummary : undefined;
  if (response.status === 401) return "refused";
  if (errorSummary === errorSummaries.invalidRequest) return "accepted";
  if (errorSummary === errorSummaries.notConfigured) return "not configured";
  return { unexpected: `HTTP ${response.status}` };
}

type OAuthProbe =
  | "accepted"
  | "not oauth"
  | "not configured"
  | { otherIssuer: string; otherScope: string | undefined }
  | { unexpected: string };

/**
 * Whether the deployed hook verifies tokens of `issuer` with `scope`, asked without a token: in
 * oauth mode it refuses with 401 and `WWW-Authenticate: Bearer realm="<issuer>", scope="<scope>"`.
 */
async function probeOAuth(
  url: string,
  issuer: string,
  scope: string,
  fetchHook: typeof fetch = fetch,
): Promise<OAuthProbe> {
  let response: Response;
  try {
    response = await fetchHook(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
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
  if (response.status === 200 && answer?.error?.errorSummary === errorSummaries.notConfigured) return "not configured";
  if (response.status !== 401) return { unexpected: `HTTP ${response.status}` };
  const challenge = bearerChallengeOf(response.headers.get("www-authenticate"));
  if (challenge === undefined) return "not oauth";
  const sameIssuer = challenge.realm?.replace(/\/+$/, "") === issuer.replace(/\/+$/, "");
  if (sameIssuer && challenge.scope === scope) return "accepted";
  return { otherIssuer: challenge.realm ?? "an unnamed issuer", otherScope: challenge.scope };
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

function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

function failed(sentence: string, json: Record<string, unknown>): Outcome {
  return { ok: false, error: true, text: [sentence], json: { ...json, error: sentence } };
}
