import { type Probe, probeHook } from "./hook-probe.ts";
import { ourHook } from "./hook-status.ts";
import {
  type AdminTools,
  type CommandOutcome,
  failed,
  newSecret,
  redeploy,
  storeSecretsCommand,
} from "./telephony-hooks.ts";

/** `npm run okta -- rotate-secret`: a new header secret, accepted by the deploy before Okta is told it. */

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
export async function rotateSecret(tools: AdminTools, options: RotationOptions): Promise<CommandOutcome> {
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
