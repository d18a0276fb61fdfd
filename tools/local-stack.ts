import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { unlinkSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createRequire } from "node:module";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { type SimulatorServer, serveTelesignSimulator } from "../simulator/server.ts";
import type { TelesignSimulatorOptions } from "../simulator/telesign-simulator.ts";
import { configVariableNames } from "../src/config.ts";
import { consoleVariableNames } from "../src/console/console-config.ts";
import { jsonValueOf } from "../src/http/json.ts";
import { secretsEqual } from "../src/support/constant-time.ts";
import { buildFunctions, buildPages } from "./build.mjs";
import type { LocalDatabase } from "./local-database.ts";
import { projectRoot } from "./project-root.mjs";
import type { SiteServer } from "./site-server.ts";

/**
 * The product running locally: the site's pages (the helpdesk console) and Netlify's own function emulation (`netlify functions:serve
 * --offline`) serving the functions as they deploy, with Netlify's own local database emulation
 * (PGlite, the site's migrations applied) behind them, pointed at the Telesign simulator or at
 * Telesign. Each run builds into a folder of its own, runs the emulator there and has a database
 * of its own (in memory), so that runs side by side (a second `npm start`, the tests, the
 * benchmark) never touch each other, and nothing of the project's folder (a `.env`, `dist/`)
 * reaches a run unless it is passed in.
 */

/** The simulator's own credentials: nothing real. */
export const simulatorCredential = {
  customerId: "00000000-0000-4000-8000-00000000CAFE",
  apiKey: Buffer.from("telesign simulator key").toString("base64"),
};

/**
 * The Telesign budget of a local run. The emulator starts a fresh worker for every request
 * (about 100 ms idle, seconds on a busy machine) before the function's own clock starts: a
 * budget of 2.5 s would leave the answer to a hanging Telesign too little of Okta's 3 s.
 */
export const localTelesignTimeoutMs = 2_000;

/** Functions that answer HTTP: each must answer before a run is ready. */
const httpFunctions = ["telesign", "telesign-callback", "telesign-status"];

export class PortInUseError extends Error {
  override name = "PortInUseError";
  constructor(readonly port: number) {
    super(`port ${port} is in use`);
  }
}

export interface ServedFunctions {
  /** `http://127.0.0.1:<port>/.netlify/functions`. */
  baseUrl: string;
  /** The site: `http://127.0.0.1:<port>`, its pages (public/) and its functions. */
  siteUrl: string;
  /** The run's database (NETLIFY_DB_URL of the functions). */
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface ServeOptions {
  port: number;
  /** The functions' environment, complete: nothing of this process's hook variables is inherited. */
  env: Record<string, string>;
  /** The function sources to build (default: the site's netlify/functions). */
  sources?: string;
  /** Functions that must answer HTTP before the run counts as ready (default: the hook's three). */
  answering?: string[];
  /** Each line the functions print (their JSON logs), and anything the emulator says that is not routine. */
  onOutput?: (line: string) => void;
  /** Told if the emulator ends while it should be serving. */
  onExit?: (code: number | null) => void;
}

/** Builds the functions into a new folder and serves them there on Netlify's emulation; ready once each answers. */
export async function serveFunctions({
  port,
  env,
  sources,
  answering = httpFunctions,
  onOutput,
  onExit,
}: ServeOptions): Promise<ServedFunctions> {
  await assertPortFree(port);
  const site = await mkdtemp(path.join(tmpdir(), "okta-telesign-hook-"));
  const removeSite = () => rm(site, { recursive: true, force: true });
  let emulator: ChildProcess | undefined;
  let database: LocalDatabase | undefined;
  let front: SiteServer | undefined;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await front?.close();
    if (emulator !== undefined) await stopEmulator(emulator);
    await database?.stop();
    await removeSite();
  };
  try {
    const [building, starting] = await Promise.allSettled([
      buildFunctions(sources, path.join(site, "functions")),
      // Loaded here: the commands that only need this module's helpers stay quick to start.
      import("./local-database.ts").then(({ startLocalDatabase }) => startLocalDatabase()),
    ]);
    if (starting.status === "fulfilled") database = starting.value;
    if (building.status === "rejected") throw building.reason;
    if (starting.status === "rejected") throw starting.reason;
    const built = building.value;
    const started = starting.value;
    // The project's netlify.toml, so that the emulation is configured as the deploy is.
    await copyFile(path.join(projectRoot, "netlify.toml"), path.join(site, "netlify.toml"));
    // The emulator serves the functions only: the site's own port serves the pages of public/ in
    // front of it, with netlify.toml's headers, as Netlify's edge does.
    const functionsPort = await freePort();
    // As `netlify dev` hands its database to the functions.
    emulator = spawnEmulator(site, functionsPort, {
      ...env,
      NETLIFY_DB_URL: started.url,
      NETLIFY_DB_DRIVER: "server",
    });
    emulator.once("exit", (code) => {
      if (!stopping) onExit?.(code);
    });
    const loading = forwardLines(emulator, onOutput && withoutProbeAnswers(onOutput, answering.length));
    await buildPages();
    const { forwardTo, serveSite } = await import("./site-server.ts");
    front = await serveSite({ projectDir: projectRoot, port, functions: forwardTo(functionsPort) });
    const baseUrl = `${front.url}/.netlify/functions`;
    await untilLoaded(built, loading, emulator);
    for (const name of answering) await untilAnswering(`${baseUrl}/${name}`, emulator);
    return { baseUrl, siteUrl: front.url, databaseUrl: started.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface LocalHook {
  url: string;
  headerName: string;
  secret: string;
}

export interface LocalStack extends LocalHook {
  telesign: SimulatorServer;
  /** The site: the console's pages at /console/. */
  siteUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  port: number;
  /** Port of the simulator; 0 (default) for any free one. */
  simulatorPort?: number;
  /** More variables for the functions (e.g. TELESIGN_TIMEOUT_MS). */
  env?: Record<string, string>;
  simulator?: Partial<TelesignSimulatorOptions>;
  onOutput?: (line: string) => void;
  onExit?: (code: number | null) => void;
}

/** The hook with the Telesign simulator: configured by this function alone, whatever the machine's environment says. */
export async function startLocalStack({
  port,
  simulatorPort = 0,
  env = {},
  simulator = {},
  onOutput,
  onExit,
}: LocalStackOptions): Promise<LocalStack> {
  const telesign = await serveTelesignSimulator({ ...simulatorCredential, ...simulator, port: simulatorPort });
  const hook: LocalHook = {
    url: `http://127.0.0.1:${port}/.netlify/functions/telesign`,
    headerName: "authorization",
    secret: `local-${randomBytes(18).toString("base64url")}`,
  };
  try {
    const functions = await serveFunctions({
      port,
      env: {
        TELESIGN_API_URL: telesign.url,
        TELESIGN_CUSTOMER_ID: simulatorCredential.customerId,
        TELESIGN_API_KEY: simulatorCredential.apiKey,
        TELESIGN_TIMEOUT_MS: String(localTelesignTimeoutMs),
        OKTA_AUTH_MODE: "header",
        OKTA_AUTH_HEADER: hook.headerName,
        OKTA_AUTH_SECRETS: hook.secret,
        ...env,
      },
      onOutput,
      onExit,
    });
    return {
      ...hook,
      telesign,
      siteUrl: functions.siteUrl,
      databaseUrl: functions.databaseUrl,
      stop: async () => {
        await functions.stop();
        await telesign.close();
      },
    };
  } catch (error) {
    await telesign.close();
    throw error;
  }
}

// Where the running `npm start`s say where they are ------------------------------------------

/** One file per running `npm start`, named after its process, in the folder it was started from. */
function localHooksDir(workspace: string): string {
  return path.join(workspace, ".netlify", "local-hooks");
}

/** A running hook as `npm run preview` finds it. */
export interface FoundHook {
  url: string;
  headerName: string;
  /** `npm start`'s own local secret, handed over by the running stack itself (never on disk). */
  secret?: string;
  /** `npm run start:live`'s env file, where the hook's secret is read from, as the hook reads it. */
  envFile?: string;
}

/**
 * The announcement on disk: where the hook is, never a secret. `nonce` lets `npm run preview`
 * check that the process at `control` is the very run that wrote it, not one that reused its pid
 * or port.
 */
interface Announcement extends Omit<FoundHook, "secret"> {
  pid: number;
  startedAt: string;
  control: string;
  nonce: string;
}

const proofOf = (nonce: string, role: "preview" | "stack", challenge: string) =>
  createHmac("sha256", nonce).update(`${role}:${challenge}`).digest("base64url");

/**
 * Tells `npm run preview` (run from `workspace`) about a running hook, and answers on a loopback
 * port of its own to prove it is this run. The announcement is withdrawn however the process ends
 * (`process.exit`, a signal through stopOnExit, a crash); the returned function withdraws it sooner.
 */
export async function announceLocalHook(hook: FoundHook, workspace: string): Promise<() => Promise<void>> {
  const nonce = randomBytes(32).toString("base64url");
  const control = createHttpServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk.slice(0, 1024 - body.length); // a proof is 100 characters: at most 1 KB is read
    });
    request.on("end", () => {
      const asked = jsonValueOf(body) as { challenge?: unknown; proof?: unknown } | undefined;
      const challenge = typeof asked?.challenge === "string" ? asked.challenge : "";
      const proof = typeof asked?.proof === "string" ? asked.proof : "";
      if (challenge === "" || !secretsEqual(proof, proofOf(nonce, "preview", challenge))) {
        response.writeHead(403).end();
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ proof: proofOf(nonce, "stack", challenge), secret: hook.secret }));
    });
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  control.unref();
  const dir = localHooksDir(workspace);
  const file = path.join(dir, `${process.pid}.json`);
  const announced: Announcement = {
    url: hook.url,
    headerName: hook.headerName,
    ...(hook.envFile !== undefined && { envFile: hook.envFile }),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    control: `http://127.0.0.1:${(control.address() as AddressInfo).port}/`,
    nonce,
  };
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${JSON.stringify(announced, null, 2)}\n`, { mode: 0o600 });
  let withdrawn = false;
  const withdraw = () => {
    if (withdrawn) return;
    withdrawn = true;
    process.off("exit", withdraw);
    control.close();
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on("exit", withdraw);
  return async () => withdraw();
}

/**
 * Runs `stop` and ends the process on Ctrl-C (SIGINT), SIGTERM and SIGHUP (a closed terminal):
 * the default for each would end it at once, skipping every `exit` handler.
 */
export function stopOnExit(stop: () => Promise<void>, say: (line: string) => void = console.log): void {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      say("\nStopping…");
      await stop().catch(() => undefined);
      process.exit(0);
    });
  }
}

/**
 * The running hooks started from `workspace`, newest first, each confirmed by its own run: an
 * announcement whose process is gone, is not this user's, or proves wrong (a reused pid or port)
 * is removed and never called; one whose run does not answer in time (a busy machine) is skipped
 * this once and kept.
 */
export async function findLocalHooks(workspace: string, { proofTimeoutMs = 2_000 } = {}): Promise<FoundHook[]> {
  const dir = localHooksDir(workspace);
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: { startedAt: string; hook: FoundHook }[] = [];
  for (const name of names.filter((file) => /^\d+\.json$/.test(file))) {
    const file = path.join(dir, name);
    const announced = await readFile(file, "utf8")
      .then((text) => jsonValueOf(text) as Announcement | undefined)
      .catch(() => undefined);
    const confirmed =
      announced !== undefined && isRunning(announced.pid) ? await confirm(announced, proofTimeoutMs) : "refuted";
    if (confirmed === "unanswered") continue;
    if (confirmed === "refuted") {
      await unlink(file).catch(() => undefined);
      continue;
    }
    const { url, headerName, envFile } = announced as Announcement;
    found.push({
      startedAt: String((announced as Announcement).startedAt),
      hook: { url, headerName, ...(envFile !== undefined && { envFile }), ...confirmed },
    });
  }
  return found.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).map(({ hook }) => hook);
}

/**
 * Asks the announcing run to prove it wrote the announcement; its local secret comes with the
 * proof. "refuted": it is not that run (a malformed announcement, a wrong proof); "unanswered":
 * no answer in time, which proves nothing either way.
 */
async function confirm(
  announced: Announcement,
  timeoutMs: number,
): Promise<{ secret?: string } | "refuted" | "unanswered"> {
  if (typeof announced.nonce !== "string" || typeof announced.control !== "string") return "refuted";
  const control = URL.canParse(announced.control) ? new URL(announced.control) : undefined;
  if (control === undefined || control.protocol !== "http:" || control.hostname !== "127.0.0.1") return "refuted";
  const challenge = randomBytes(24).toString("base64url");
  let response: Response;
  let text: string;
  try {
    response = await fetch(control, {
      method: "POST",
      body: JSON.stringify({ challenge, proof: proofOf(announced.nonce, "preview", challenge) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch {
    return "unanswered";
  }
  const answer = jsonValueOf(text) as { proof?: unknown; secret?: unknown } | undefined;
  const proof = typeof answer?.proof === "string" ? answer.proof : "";
  if (response.status !== 200 || !secretsEqual(proof, proofOf(announced.nonce, "stack", challenge))) return "refuted";
  return typeof answer?.secret === "string" ? { secret: answer.secret } : {};
}

/** Whether a process with this pid runs as this user: EPERM is someone else's, so not an announcer. */
function isRunning(pid: unknown): boolean {
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Netlify's emulation -------------------------------------------------------------------------

/**
 * Runs Netlify's emulation of the site in `site`. Its environment is this process's minus every
 * variable the functions read, plus `env`: a variable set in the shell never changes a run silently.
 */
function spawnEmulator(site: string, port: number, env: Record<string, string>): ChildProcess {
  const require = createRequire(import.meta.url);
  const netlifyCli = path.join(path.dirname(require.resolve("netlify-cli/package.json")), "bin", "run.js");
  const loopbackOnly = path.join(import.meta.dirname, "loopback-only.mjs");
  const functions = path.join(site, "functions");
  const args = [
    ...["--import", loopbackOnly, netlifyCli, "functions:serve", "--offline"],
    ...["--port", String(port), "--functions", functions],
  ];
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !([...configVariableNames, ...consoleVariableNames] as string[]).includes(name),
    ),
  );
  return spawn(process.execPath, args, {
    cwd: site,
    env: { ...inherited, ...env, NETLIFY_TELEMETRY_DISABLED: "1", BROWSER: "none" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function stopEmulator(emulator: ChildProcess): Promise<void> {
  if (emulator.exitCode !== null || emulator.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    emulator.once("exit", () => resolve());
    emulator.kill("SIGTERM");
  });
}

/** The emulator's routine chatter: banners, per-request lines, known notices. Everything else is shown. */
const routine = [
  /^\s*$/,
  /^\s*[╭│╰]/,
  /^Request from /,
  /^Response with status /,
  /^⬥ (Loaded function|Ignored general context env var|Injected .* env vars|Netlify Blobs running in sandbox mode)/,
];

interface Loading {
  loaded: Set<string>;
  /** What the emulator said of a function it could not load. */
  failures: string[];
}

/** Forwards what matters of the emulator's output, and follows which functions it loads. */
function forwardLines(emulator: ChildProcess, onLine: ((line: string) => void) | undefined): Loading {
  const loading: Loading = { loaded: new Set(), failures: [] };
  for (const stream of [emulator.stdout, emulator.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on("line", (line) => {
      const name = /^⬥ Loaded function (\S+)/.exec(line)?.[1];
      if (name !== undefined) loading.loaded.add(name);
      if (/^⬥ Failed to load function /.test(line)) loading.failures.push(line.slice(2));
      if (!routine.some((pattern) => pattern.test(line))) onLine?.(line);
    });
  }
  return loading;
}

const startupTimeoutMs = 60_000;

/**
 * `onLine` without the functions' log lines about the readiness probes: a GET that the hook and
 * the callback refuse (405) and the status endpoint does not authorize (401), each logged as a
 * warning that is no one's failure. One such line per probed function is dropped, no more.
 */
function withoutProbeAnswers(onLine: (line: string) => void, probes: number): (line: string) => void {
  let left = probes;
  return (line) => {
    const fields = jsonValueOf(line) as { level?: unknown; outcome?: unknown; httpStatus?: unknown } | undefined;
    const probeAnswer =
      fields?.level === "warn" && (fields.outcome === "method_not_allowed" || fields.httpStatus === 401);
    if (left > 0 && probeAnswer) left--;
    else onLine(line);
  };
}

/** Waits until the emulator has loaded every built function: a request before that gets its 500. */
async function untilLoaded(functions: string[], { loaded, failures }: Loading, emulator: ChildProcess): Promise<void> {
  const deadline = Date.now() + startupTimeoutMs;
  while (!functions.every((name) => loaded.has(name))) {
    if (emulator.exitCode !== null) throw new Error(`Netlify's emulation exited with code ${emulator.exitCode}`);
    if (failures.length > 0) throw new Error(`Netlify's emulation could not load the functions: ${failures[0]}`);
    if (Date.now() > deadline) throw new Error(`Netlify's emulation did not load the functions within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves once the function answers a GET with anything but a 404 or a 5xx. */
async function untilAnswering(url: string, emulator: ChildProcess): Promise<void> {
  const deadline = Date.now() + startupTimeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (emulator.exitCode !== null) throw new Error(`Netlify's emulation exited with code ${emulator.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.text();
      if (response.status !== 404 && response.status < 500) return;
      last = `HTTP ${response.status}`;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within 60 s (${last})`);
}

/** Fails with PortInUseError when something listens on the port already. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(port) : error),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

/** A port nothing listens on now, for the emulator (it needs a number up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
