import type { InlineHooks, OktaInlineHook } from "./okta-management.ts";
import { type AdminTools, type CommandOutcome, hookPath } from "./telephony-hooks.ts";

/** `npm run okta -- status`: the org's telephony hooks and which one points at this deploy. */

export async function hookStatus(tools: AdminTools, hookUrl: string | undefined): Promise<CommandOutcome> {
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
export async function ourHook(hooks: InlineHooks, hookUrl: string | undefined): Promise<OktaInlineHook | string> {
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

export function authLabel(hook: OktaInlineHook): string {
  const { config } = hook.channel;
  if (hook.channel.type === "OAUTH") return `OAuth 2.0 (${config.authType ?? "?"})`;
  return `header ${config.authScheme?.key ?? "?"}`;
}

/** A hook as scripts read it: never a secret (Okta does not return them anyway). */
export function summary(hook: OktaInlineHook, hookUrl: string | undefined) {
  return {
    id: hook.id,
    name: hook.name,
    status: hook.status,
    url: hook.channel.config.uri,
    auth: authLabel(hook),
    thisDeploy: isThisDeploy(hook, hookUrl),
  };
}
