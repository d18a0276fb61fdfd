import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { configVariableNames } from "../src/config.ts";
import { consoleVariableNames } from "../src/console/console-config.ts";
import { jsonValueOf } from "../src/http/json.ts";
import { buildFunctions, buildPages, builtFunctions } from "./build.mjs";
import type { LocalDatabase } from "./local-database.ts";
import { assertPortFree, freePort } from "./ports.ts";
import { projectRoot } from "./project-root.mjs";
import type { SiteServer } from "./site-server.ts";

/**
 * Netlify's own function emulation (`netlify functions:serve --offline`) serving the functions as
 * they deploy, each run built into a folder of its own, with a local database of its own.
 */

/** Functions that answer HTTP: each must answer before a run is ready. */
const httpFunctions = ["telesign", "telesign-callback", "telesign-status"];

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

/**
 * Builds the functions into a new folder (and the console's pages) and serves them there on
 * Netlify's emulation; ready once each answers.
 */
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
      // The functions and the console's pages, both built before anything starts or is served.
      Promise.all([buildFunctions(sources, functionsIn(site)), buildPages()]).then(([functions]) => functions),
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

/**
 * Where a run's site holds its built functions: where the project's do (netlify.toml's directory),
 * so that netlify.toml's included_files (their chunks) name them there too.
 */
function functionsIn(site: string): string {
  return path.join(site, path.relative(projectRoot, builtFunctions));
}

/**
 * Runs Netlify's emulation of the site in `site`. Its environment is this process's minus every
 * variable the functions read, plus `env`: a variable set in the shell never changes a run silently.
 */
function spawnEmulator(site: string, port: number, env: Record<string, string>): ChildProcess {
  const require = createRequire(import.meta.url);
  const netlifyCli = path.join(path.dirname(require.resolve("netlify-cli/package.json")), "bin", "run.js");
  const loopbackOnly = path.join(import.meta.dirname, "loopback-only.mjs");
  const functions = functionsIn(site);
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
