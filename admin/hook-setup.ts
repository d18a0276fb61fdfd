import { type OAuthProbe, type Probe, probeHook, probeOAuth } from "./hook-probe.ts";
import { authLabel, summary } from "./hook-status.ts";
import {
  ChangeFailure,
  type InlineHooks,
  isOneActiveHookLimit,
  type OktaInlineHook,
  rateLimitResetOf,
  telephonyHookType,
} from "./okta-management.ts";
import {
  type AdminTools,
  type CommandOutcome,
  failed,
  type HookAuth,
  newSecret,
  redeploy,
  storeSecretsCommand,
} from "./telephony-hooks.ts";

/** `npm run okta -- setup`: the hook registered in the org, or converged on what the admin asks. */

export interface SetupOptions {
  hookUrl: string;
  name: string;
  replace: boolean;
  auth: HookAuth;
}

export async function setupHook(tools: AdminTools, options: SetupOptions): Promise<CommandOutcome> {
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
  // Names are unique across every kind of inline hook: a taken one is said before anything changes.
  const namesake =
    existing === undefined ? (await hooks.listAll()).find((hook) => hook.name === options.name) : undefined;
  if (namesake !== undefined) {
    return failed(
      `Another inline hook is named "${options.name}" (${namesake.id}, ${namesake.type ?? "?"}, calling ${namesake.channel.config.uri}); Okta's names are unique: give this one another with --name. Nothing changed.`,
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

  // Okta never reads a secret back: a hook whose authentication changes must be given its credential anew.
  const switching = existing === undefined || !authenticatesAs(existing, auth);
  if (switching && auth.kind === "oauth" && auth.keyId === undefined && auth.clientSecret === undefined) {
    const why =
      existing === undefined ? "" : ` to switch "${existing.name}" (${existing.id}) from ${authLabel(existing)}`;
    return failed(
      `Set OKTA_HOOK_CLIENT_SECRET to the app's client secret, or give --key-id for private_key_jwt${why}; Okta must be given it. Nothing changed.`,
      {},
    );
  }
  if (existing !== undefined && switching && auth.kind === "header" && secret === undefined) {
    return failed(
      `Set OKTA_HOOK_SECRET to a secret the deploy accepts to switch "${existing.name}" (${existing.id}) from ${authLabel(existing)} to header ${auth.headerKey}; Okta must be given it. Nothing changed.`,
      {},
    );
  }
  // Okta is switched to OAuth only once the deploy verifies that issuer's tokens.
  if (auth.kind === "oauth") {
    const probe = await probeOAuth(hookUrl, { ...auth, issuer: oauthIssuerOf(auth) }, tools.fetch);
    if (probe !== "accepted") return oauthNotYetAccepted(probe, hookUrl, auth);
  }

  const text: string[] = [];
  const change = new HookChange(tools, all, hookUrl, text);
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

  /** The ids of the hooks there were before this change. */
  private readonly before: Set<string>;

  private readonly hooks: InlineHooks;

  constructor(
    private readonly tools: AdminTools,
    all: OktaInlineHook[],
    private readonly hookUrl: string,
    private readonly text: string[],
  ) {
    this.hooks = tools.hooks;
    for (const hook of all) if (hook.id !== undefined) this.known.set(hook.id, hook);
    this.before = new Set(this.known.keys());
  }

  /** Creates ours beside the active other; should Okta refuse a second telephony hook, swaps them instead. */
  async create(object: OktaInlineHook & { type: string }, others: OktaInlineHook[]): Promise<OktaInlineHook> {
    try {
      return this.ourHookIs(await this.hooks.create(object));
    } catch (error) {
      if (others.length === 0 || !isOneActiveHookLimit(error)) throw error;
    }
    // Okta refused it for the one active telephony hook it allows: the other makes way, and comes back if this create fails.
    await this.deactivateOthers(others);
    return this.ourHookIs(await this.hooks.create(object));
  }

  async replace(id: string, object: OktaInlineHook): Promise<OktaInlineHook> {
    return this.ourHookIs(await this.hooks.replace(id, object));
  }

  /** Makes ours the one active telephony hook: the others deactivated, ours activated last. */
  async takeOver(ours: OktaInlineHook, others: OktaInlineHook[]): Promise<OktaInlineHook> {
    this.ours = ours;
    const stillActive = others.filter((other) => this.statusOf(other) === "ACTIVE");
    await this.deactivateOthers(stillActive);
    // Okta made ours active beside the other: with the other deactivated, ours is the one, never none.
    if (ours.status === "ACTIVE") return ours;
    const activated = this.ourHookIs(await this.hooks.activate(ours.id as string));
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
    // A create whose answer was lost still made ours: the hook calling this URL that was not there before.
    const ours =
      this.ours?.id ??
      active.hooks.find(
        (hook) => hook.id !== undefined && !this.before.has(hook.id) && hook.channel.config.uri === this.hookUrl,
      )?.id;
    if (active.hooks.length === 0 && this.deactivated.length > 0) {
      for (const other of this.deactivated) {
        try {
          this.learn(await this.afterRateLimit(() => this.hooks.activate(other.id as string)));
          said.push(`Reactivated "${other.name}" (${other.id}), which this run had deactivated.`);
        } catch {
          said.push(`Reactivating "${other.name}" (${other.id}) failed too.`);
        }
      }
      active = await this.activeNow();
    } else if (active.hooks.length > 1 && ours !== undefined && active.hooks.some((hook) => hook.id === ours)) {
      try {
        this.learn(await this.afterRateLimit(() => this.hooks.deactivate(ours)));
        said.push("Deactivated this deploy's hook again, so that one telephony hook is active.");
      } catch {
        said.push("Deactivating this deploy's hook again failed too.");
      }
      active = await this.activeNow();
    }
    return [...said, activeSentence(active.hooks, active.confirmed)].join(" ");
  }

  /**
   * A step that puts the org back on one active hook, tried again once Okta's rate limit resets
   * (X-Rate-Limit-Reset) if it answered 429: at most `rateLimitTries` times, never waiting longer
   * than `longestWaitMs` for one reset.
   */
  private async afterRateLimit<T>(step: () => Promise<T>): Promise<T> {
    const { sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)), now = Date.now } =
      this.tools;
    for (let tries = 1; ; tries++) {
      try {
        return await step();
      } catch (error) {
        const reset = rateLimitResetOf(error);
        const waitMs = reset === undefined ? undefined : Math.max(0, reset - now()) + 1_000;
        if (waitMs === undefined || waitMs > longestWaitMs || tries >= rateLimitTries) throw error;
        this.tools.progress?.(`Okta's rate limit is used up: waiting ${Math.ceil(waitMs / 1000)} s for it to reset…`);
        await sleep(waitMs);
      }
    }
  }

  private async deactivateOthers(others: OktaInlineHook[]) {
    for (const other of others) {
      if (other.id === undefined) continue;
      // Recorded before Okta answers: a deactivation it applied but whose answer was lost is undone too.
      this.deactivated.push(other);
      this.learn(await this.hooks.deactivate(other.id));
      this.text.push(`Deactivated "${other.name}" (${other.id}), which called ${other.channel.config.uri}.`);
    }
  }

  /** The telephony hooks active now: Okta's list if it answers, else what its last answers said. */
  private async activeNow(): Promise<{ hooks: OktaInlineHook[]; confirmed: boolean }> {
    const listed = await this.hooks.listTelephony().catch(() => undefined);
    if (listed !== undefined) for (const hook of listed) this.learn(hook);
    const hooks = [...this.known.values()].filter((hook) => hook.status === "ACTIVE");
    return { hooks, confirmed: listed !== undefined };
  }

  private statusOf(hook: OktaInlineHook): string | undefined {
    return hook.id === undefined ? hook.status : this.known.get(hook.id)?.status;
  }

  private learn(hook: OktaInlineHook): OktaInlineHook {
    if (hook.id !== undefined) this.known.set(hook.id, hook);
    return hook;
  }

  /** Okta's answer about this deploy's hook: learnt, and remembered as ours. */
  private ourHookIs(hook: OktaInlineHook): OktaInlineHook {
    this.ours = hook;
    return this.learn(hook);
  }
}

const rateLimitTries = 3;
const longestWaitMs = 65_000;

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

/** Whether Okta already authenticates to the hook as `auth` asks (the secrets aside, which Okta never reads back). */
function authenticatesAs(hook: OktaInlineHook, auth: HookAuth): boolean {
  const { type, config } = hook.channel;
  if (auth.kind === "header") {
    return type === "HTTP" && config.authScheme?.key?.toLowerCase() === auth.headerKey.toLowerCase();
  }
  return (
    type === "OAUTH" &&
    config.clientId === auth.clientId &&
    config.tokenUrl === auth.tokenUrl &&
    config.scope === auth.scope
  );
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
): CommandOutcome {
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
    `  netlify env:set OKTA_OAUTH_AUDIENCE '${auth.audience}' --scope functions`,
    `  netlify env:set OKTA_OAUTH_CLIENT_ID '${auth.clientId}' --scope functions`,
    `  ${redeploy}`,
  ];
}

function oauthNotYetAccepted(
  probe: Exclude<OAuthProbe, "accepted">,
  hookUrl: string,
  auth: Extract<HookAuth, { kind: "oauth" }>,
): CommandOutcome {
  const why =
    probe === "not oauth"
      ? "the deployed hook does not verify OAuth 2.0 tokens yet (it asks for no Bearer token)"
      : probe === "not configured"
        ? 'the deployed hook answers "Hook not configured"'
        : "differences" in probe
          ? `the deployed hook expects other tokens than Okta's would be: ${probe.differences.join("; ")}`
          : `${hookUrl} does not answer as this hook does (${probe.unexpected})`;
  const sentence = `Nothing registered: ${why}; Okta's calls would all be refused.`;
  return {
    ok: false,
    error: true,
    text: [sentence, ...oauthNextSteps(auth)],
    json: { registered: false, error: sentence, next: oauthNextSteps(auth).slice(1) },
  };
}
