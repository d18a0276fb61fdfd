import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { type SimulatorServer, serveTelesignSimulator } from "../simulator/server.ts";
import type { TelesignSimulatorOptions } from "../simulator/telesign-simulator.ts";
import { configVariableNames } from "../src/config.ts";
import { buildFunctions } from "./build.mjs";
import type { LocalDatabase } from "./local-database.ts";

/**
 * The product running locally: Netlify's own function emulation (`netlify functions:serve
 * --offline`) serving the functions as they deploy, with Netlify's own local database emulation
 * (PGlite, the site's migrations applied) behind them, pointed at the Telesign simulator or at
 * Telesign. Each run builds into a folder of its own, runs the emulator there and has a database
 * of its own (in memory), so that runs side by side (a second `npm start`, the tests, the
 * benchmark) never touch each other, and nothing of the project's folder (a `.env`, `dist/`)
 * reaches a run unless it is passed in.
 */

export const projectRoot = path.resolve(import.meta.dirname, "..");

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
  let stopping = false;
  const stop = async () => {
    stopping = true;
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
    // As `netlify dev` hands its database to the functions.
    emulator = spawnEmulator(site, port, { ...env, NETLIFY_DB_URL: started.url, NETLIFY_DB_DRIVER: "server" });
    emulator.once("exit", (code) => {
      if (!stopping) onExit?.(code);
    });
    const loading = forwardLines(emulator, onOutput);
    const baseUrl = `http://127.0.0.1:${port}/.netlify/functions`;
    await untilLoaded(built, loading, emulator);
    for (const name of answering) await untilAnswering(`${baseUrl}/${name}`, emulator);
    return { baseUrl, stop };
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

interface AnnouncedHook extends LocalHook {
  pid: number;
  startedAt: string;
}

/** Tells `npm run preview` (run from `workspace`) about a running hook; the returned function withdraws it. */
export async function announceLocalHook(hook: LocalHook, workspace: string): Promise<() => Promise<void>> {
  const dir = localHooksDir(workspace);
  const file = path.join(dir, `${process.pid}.json`);
  const announced: AnnouncedHook = { ...hook, pid: process.pid, startedAt: new Date().toISOString() };
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${JSON.stringify(announced, null, 2)}\n`, { mode: 0o600 });
  return () => unlink(file).catch(() => undefined);
}

/**
 * The running hooks started from `workspace`, newest first. A file left by a run that no longer
 * exists (killed, crashed) is removed.
 */
export async function findLocalHooks(workspace: string): Promise<LocalHook[]> {
  const dir = localHooksDir(workspace);
  const names = await readdir(dir).catch(() => [] as string[]);
  const live: AnnouncedHook[] = [];
  for (const name of names.filter((file) => /^\d+\.json$/.test(file))) {
    const file = path.join(dir, name);
    const announced = await readFile(file, "utf8")
      .then((text) => JSON.parse(text) as AnnouncedHook)
      .catch(() => undefined);
    if (announced !== undefined && isRunning(announced.pid)) live.push(announced);
    else await unlink(file).catch(() => undefined);
  }
  return live
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .map(({ url, headerName, secret }) => ({ url, headerName, secret }));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
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
    Object.entries(process.env).filter(([name]) => !(configVariableNames as string[]).includes(name)),
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
export function assertPortFree(port: number): Promise<void> {
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
