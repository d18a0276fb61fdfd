import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { importJWK, type JWK, jwtVerify } from "jose";

/**
 * A fake of Okta's Management API for inline hooks, on loopback, following Okta's published
 * OpenAPI spec: create answers 200 with an ACTIVE hook (a second telephony hook: see
 * `secondOnCreate`); reads never return a secret; PUT replaces
 * the whole object (a secret not resent is an error); one active telephony hook per org; errors
 * in Okta's shape (400 E0000001, 401 E0000011, 403 E0000006, 404 E0000007, 429 E0000047 with
 * X-Rate-Limit-Reset). `execute` calls the hook as Okta does, with the stored auth header.
 */

export interface StoredHook {
  id: string;
  name: string;
  status: "ACTIVE" | "INACTIVE";
  type: string;
  version: string;
  channel: { type: string; version: string; config: Record<string, unknown> };
  created: string;
  lastUpdated: string;
}

export interface SeenRequest {
  method: string;
  path: string;
  /** "SSWS", "Bearer" or "none": never the credential itself. */
  auth: string;
  body: unknown;
}

export interface FakeOktaOptions {
  /** The SSWS API token it accepts. */
  token?: string;
  /** A service app it knows: its client id, public key and the scopes granted to it. */
  serviceApp?: { clientId: string; publicJwk: JWK; scopes: string[] };
  /** Whether the caller's admin or app may manage inline hooks (403 E0000006 otherwise). */
  mayManage?: boolean;
  /**
   * What a create does while another telephony hook is active. Okta documents one active
   * telephony hook per org and creates hooks ACTIVE, but not what happens to a second: it may be
   * refused (400 E0000001), created with its activation skipped (INACTIVE), or, as far as the
   * documentation goes, created ACTIVE beside the other. The tool must cope with each.
   */
  secondOnCreate?: SecondOnCreate;
}

export type SecondOnCreate = "refused" | "inactive" | "both active";

/** The steps of a change to the org's hooks that a test can make fail. */
export type HookStep = "create" | "update" | "activate" | "deactivate";

/** How a step fails: Okta's validation error, its rate limit, or the connection reset before any answer. */
export type StepFailure = 400 | 429 | "reset";

export interface FakeOkta {
  url: string;
  hooks: StoredHook[];
  requests: SeenRequest[];
  /** The next API call fails this way (once). */
  failNext(status: number, body: Record<string, unknown>, headers?: Record<string, string>): void;
  /** The `nth` call of this step (1 = the first) fails this way, without changing anything. */
  failStep(step: HookStep, failure: StepFailure, nth?: number): void;
  /** The names of the telephony hooks that are ACTIVE now. */
  activeTelephonyHooks(): string[];
  close(): Promise<void>;
}

const telephony = "com.okta.telephony.provider";

export async function startFakeOkta({
  token = "fake-okta-api-token",
  serviceApp,
  mayManage = true,
  secondOnCreate = "refused",
}: FakeOktaOptions = {}) {
  const hooks: StoredHook[] = [];
  const requests: SeenRequest[] = [];
  const accessTokens = new Map<string, string[]>();
  let forced: { status: number; body: Record<string, unknown>; headers: Record<string, string> } | undefined;
  const stepFailures: { step: HookStep; failure: StepFailure; nth: number }[] = [];
  const stepCounts = new Map<HookStep, number>();
  let url = "";

  const server = createServer(async (request, response) => {
    const text = await bodyOf(request);
    const path = request.url ?? "/";
    const authorization = request.headers.authorization ?? "";
    requests.push({
      method: request.method ?? "",
      path,
      auth: authorization.split(" ")[0] || "none",
      body: parsed(text),
    });
    try {
      if (path === "/oauth2/v1/token") return await issueToken(text, response);
      const scopes = authorized(authorization);
      if (scopes === undefined) return oktaError(response, 401, "E0000011", "Invalid token provided");
      if (!mayManage || !scopes.includes("okta.inlineHooks.manage")) {
        return oktaError(response, 403, "E0000006", "You do not have permission to perform the requested action");
      }
      if (forced !== undefined) {
        const { status, body, headers } = forced;
        forced = undefined;
        return send(response, status, body, headers);
      }
      const step = stepOf(request.method ?? "GET", path);
      if (step !== undefined) {
        const count = (stepCounts.get(step) ?? 0) + 1;
        stepCounts.set(step, count);
        const planned = stepFailures.find((failure) => failure.step === step && failure.nth === count);
        if (planned !== undefined) return failWith(planned.failure, response);
      }
      await route(request.method ?? "GET", new URL(path, url), parsed(text), response);
    } catch (error) {
      send(response, 500, { errorCode: "E0000009", errorSummary: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** The scopes of a valid credential: an SSWS token acts as its (super) admin. */
  function authorized(authorization: string): string[] | undefined {
    const [scheme, value] = authorization.split(" ");
    if (scheme === "SSWS" && value === token) return ["okta.inlineHooks.read", "okta.inlineHooks.manage"];
    if (scheme === "Bearer" && value !== undefined) return accessTokens.get(value);
    return undefined;
  }

  async function issueToken(text: string, response: ServerResponse) {
    const form = new URLSearchParams(text);
    if (serviceApp === undefined) return send(response, 401, { error: "invalid_client" });
    try {
      const key = await importJWK(serviceApp.publicJwk, "RS256");
      await jwtVerify(form.get("client_assertion") ?? "", key, {
        issuer: serviceApp.clientId,
        subject: serviceApp.clientId,
        audience: `${url}/oauth2/v1/token`,
      });
    } catch {
      return send(response, 401, { error: "invalid_client", error_description: "The client_assertion is invalid" });
    }
    const asked = (form.get("scope") ?? "").split(" ");
    if (form.get("grant_type") !== "client_credentials" || asked.some((scope) => !serviceApp.scopes.includes(scope))) {
      return send(response, 400, { error: "invalid_scope", error_description: "The requested scope is invalid" });
    }
    const accessToken = randomBytes(24).toString("base64url");
    accessTokens.set(accessToken, asked);
    send(response, 200, { token_type: "Bearer", expires_in: 3600, access_token: accessToken, scope: asked.join(" ") });
  }

  async function route(method: string, at: URL, body: unknown, response: ServerResponse) {
    const [, , , collection, id, action, verb] = at.pathname.split("/");
    if (collection !== "inlineHooks")
      return oktaError(response, 404, "E0000022", "The endpoint does not support the provided HTTP method");
    if (id === undefined) {
      if (method === "GET") {
        const type = at.searchParams.get("type");
        return send(response, 200, hooks.filter((hook) => type === null || hook.type === type).map(readable));
      }
      if (method === "POST") return create(body, response);
    }
    const hook = hooks.find((candidate) => candidate.id === id);
    if (hook === undefined)
      return oktaError(response, 404, "E0000007", `Not found: Resource not found: ${id} (InlineHook)`);
    if (action === undefined && method === "GET") return send(response, 200, readable(hook));
    if (action === undefined && method === "PUT") return replace(hook, body, response);
    if (action === "lifecycle" && method === "POST" && verb === "activate") {
      const other = hooks.find(
        (candidate) => candidate !== hook && candidate.type === telephony && candidate.status === "ACTIVE",
      );
      if (hook.type === telephony && other !== undefined) {
        return validationError(response, ["Only one active telephony inline hook is allowed per org"]);
      }
      hook.status = "ACTIVE";
      return send(response, 200, readable(hook));
    }
    if (action === "lifecycle" && method === "POST" && verb === "deactivate") {
      hook.status = "INACTIVE";
      return send(response, 200, readable(hook));
    }
    if (action === "execute" && method === "POST") return execute(hook, body, response);
    oktaError(response, 405, "E0000022", "The endpoint does not support the provided HTTP method");
  }

  function create(body: unknown, response: ServerResponse) {
    const input = body as Partial<StoredHook> | undefined;
    const problems = validate(input, undefined, hooks);
    if (input?.type !== telephony && input?.type !== "com.okta.import.transform")
      problems.push("type: invalid inline hook type");
    if (problems.length > 0) return validationError(response, problems);
    const anotherActive =
      input?.type === telephony && hooks.some((hook) => hook.type === telephony && hook.status === "ACTIVE");
    if (anotherActive && secondOnCreate === "refused") {
      return validationError(response, ["Only one active telephony inline hook is allowed per org"]);
    }
    const now = new Date().toISOString();
    const hook: StoredHook = {
      id: `cal${randomBytes(8).toString("hex")}`,
      name: input?.name as string,
      status: anotherActive && secondOnCreate === "inactive" ? "INACTIVE" : "ACTIVE",
      type: input?.type as string,
      version: input?.version as string,
      channel: structuredClone(input?.channel) as StoredHook["channel"],
      created: now,
      lastUpdated: now,
    };
    hooks.push(hook);
    send(response, 200, readable(hook));
  }

  function replace(hook: StoredHook, body: unknown, response: ServerResponse) {
    const input = body as Partial<StoredHook> | undefined;
    const problems = validate(input, hook, hooks);
    if (problems.length > 0) return validationError(response, problems);
    // The whole object is replaced: what is not sent is gone.
    hook.name = input?.name as string;
    hook.version = input?.version as string;
    hook.channel = structuredClone(input?.channel) as StoredHook["channel"];
    hook.lastUpdated = new Date().toISOString();
    send(response, 200, readable(hook));
  }

  async function execute(hook: StoredHook, payload: unknown, response: ServerResponse) {
    if (hook.status !== "ACTIVE") return validationError(response, ["The inline hook is not active"]);
    const { config } = hook.channel;
    const scheme = config.authScheme as { key: string; value: string };
    let answer: unknown;
    try {
      const called = await fetch(config.uri as string, {
        method: "POST",
        headers: { "content-type": "application/json", [scheme.key]: scheme.value },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(3_000),
      });
      answer = called.status === 200 ? await called.json() : undefined;
    } catch {
      answer = undefined;
    }
    const valid = typeof answer === "object" && answer !== null && ("commands" in answer || "error" in answer);
    if (!valid) return validationError(response, ["The inline hook response is invalid or the hook did not respond"]);
    send(response, 200, answer);
  }

  return {
    url,
    hooks,
    requests,
    failNext(status, body, headers = {}) {
      forced = { status, body, headers };
    },
    failStep(step, failure, nth = 1) {
      stepFailures.push({ step, failure, nth });
    },
    activeTelephonyHooks: () =>
      hooks.filter((hook) => hook.type === telephony && hook.status === "ACTIVE").map((hook) => hook.name),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } satisfies FakeOkta;
}

/** Which step of a change a request is, if it is one. */
function stepOf(method: string, path: string): HookStep | undefined {
  const { pathname } = new URL(path, "http://okta.invalid");
  if (method === "POST" && pathname === "/api/v1/inlineHooks") return "create";
  if (method === "PUT" && /^\/api\/v1\/inlineHooks\/[^/]+$/.test(pathname)) return "update";
  const verb = /^\/api\/v1\/inlineHooks\/[^/]+\/lifecycle\/(activate|deactivate)$/.exec(pathname)?.[1];
  return verb as HookStep | undefined;
}

function failWith(failure: StepFailure, response: ServerResponse) {
  if (failure === "reset") {
    response.socket?.destroy();
    return;
  }
  if (failure === 429) {
    return oktaError(response, 429, "E0000047", "API call exceeded rate limit due to too many requests.");
  }
  return validationError(response, ["name: An object with this field already exists"]);
}

/** Okta's checks of a hook object, as its API documents them. */
function validate(
  input: Partial<StoredHook> | undefined,
  self: StoredHook | undefined,
  others: StoredHook[],
): string[] {
  const problems: string[] = [];
  const name = input?.name;
  if (typeof name !== "string" || name.length < 1 || name.length > 255)
    problems.push("name: must be 1 to 255 characters");
  else if (others.some((hook) => hook !== self && hook.name === name))
    problems.push("name: An object with this field already exists");
  if (input?.version !== "1.0.0") problems.push("version: must be 1.0.0");
  const channel = input?.channel;
  const config = (channel?.config ?? {}) as Record<string, unknown>;
  const uri = config.uri;
  if (typeof uri !== "string" || !uri.startsWith("https://") || uri.length > 1024) {
    problems.push("channel.config.uri: The URI must start with https:// and be at most 1024 characters");
  }
  if (channel?.type === "HTTP") {
    const scheme = config.authScheme as { type?: string; key?: string; value?: string } | undefined;
    if (scheme?.type !== "HEADER" || !scheme.key || !scheme.value) {
      problems.push("channel.config.authScheme: a HEADER auth scheme with its key and value is required");
    }
  } else if (channel?.type === "OAUTH") {
    if (
      !config.clientId ||
      !config.scope ||
      typeof config.tokenUrl !== "string" ||
      !config.tokenUrl.startsWith("https://")
    ) {
      problems.push("channel.config: clientId, scope and an https tokenUrl are required");
    }
    if (
      config.authType === "client_secret_post"
        ? !config.clientSecret
        : config.authType === "private_key_jwt"
          ? !config.hookKeyId
          : true
    ) {
      problems.push("channel.config.authType: client_secret_post with clientSecret, or private_key_jwt with hookKeyId");
    }
  } else {
    problems.push("channel.type: must be HTTP or OAUTH");
  }
  return problems;
}

/** A hook as Okta's API returns it: no secret, ever. */
function readable(hook: StoredHook) {
  const config = { ...hook.channel.config };
  if (config.authScheme !== undefined && config.authScheme !== null) {
    const { value: _, ...scheme } = config.authScheme as Record<string, unknown>;
    config.authScheme = scheme;
  }
  delete config.clientSecret;
  return {
    ...hook,
    channel: { ...hook.channel, config },
    _links: { self: { href: `/api/v1/inlineHooks/${hook.id}` } },
  };
}

function validationError(response: ServerResponse, causes: string[]) {
  oktaError(response, 400, "E0000001", "Api validation failed: inlineHook", causes);
}

function oktaError(
  response: ServerResponse,
  status: number,
  errorCode: string,
  errorSummary: string,
  causes: string[] = [],
) {
  send(response, status, {
    errorCode,
    errorSummary,
    errorLink: errorCode,
    errorId: `oae${randomBytes(8).toString("hex")}`,
    errorCauses: causes.map((cause) => ({ errorSummary: cause })),
  });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, {
    "content-type": "application/json",
    "x-rate-limit-limit": "100",
    "x-rate-limit-remaining": "99",
    "x-rate-limit-reset": String(Math.floor(Date.now() / 1000) + 60),
    ...headers,
  });
  response.end(JSON.stringify(body));
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text === "" ? undefined : text;
  }
}

function bodyOf(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    request.on("data", (chunk) => {
      text += chunk;
    });
    request.on("end", () => resolve(text));
  });
}
