import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { type SimulatorServer, serveTelesignSimulator } from "../simulator/server.ts";
import type { TelesignSimulatorOptions } from "../simulator/telesign-simulator.ts";
import { buildFunctions } from "./build.ts";

/**
 * The product running locally: Netlify's own function emulation (`netlify functions:serve
 * --offline`) serving the hook, pointed at the Telesign simulator on loopback.
 */

export const projectRoot = path.resolve(import.meta.dirname, "..");
const localHookFile = path.join(projectRoot, ".netlify", "local-hook.json");

/** The simulator's own credentials: nothing real. */
export const simulatorCredential = {
  customerId: "00000000-0000-4000-8000-00000000CAFE",
  apiKey: Buffer.from("telesign simulator key").toString("base64"),
};

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
  /** Port of the simulator; 0 for any free one. */
  simulatorPort?: number;
  /** More variables for the function (e.g. TELESIGN_TIMEOUT_MS). */
  env?: Record<string, string>;
  simulator?: Partial<TelesignSimulatorOptions>;
  /** Each line the emulator prints: the function's logs among them. */
  onOutput?: (line: string) => void;
}

export async function startLocalStack({
  port,
  simulatorPort = 0,
  env = {},
  simulator = {},
  onOutput,
}: LocalStackOptions): Promise<LocalStack> {
  // The emulator serves the functions as they are deployed: built.
  await buildFunctions();
  const telesign = await serveTelesignSimulator({ ...simulatorCredential, ...simulator, port: simulatorPort });
  const hook: LocalHook = {
    url: `http://127.0.0.1:${port}/.netlify/functions/telesign`,
    headerName: "authorization",
    secret: `local-${randomBytes(18).toString("base64url")}`,
  };
  const emulator = spawnEmulator(port, {
    TELESIGN_API_URL: telesign.url,
    TELESIGN_CUSTOMER_ID: simulatorCredential.customerId,
    TELESIGN_API_KEY: simulatorCredential.apiKey,
    OKTA_AUTH_MODE: "header",
    OKTA_AUTH_HEADER: hook.headerName,
    OKTA_AUTH_SECRETS: hook.secret,
    ...env,
  });
  const stop = async () => {
    stopEmulator(emulator);
    await telesign.close();
  };
  try {
    forwardLines(emulator, onOutput);
    await untilServing(hook.url, emulator);
  } catch (error) {
    await stop();
    throw error;
  }
  await mkdir(path.dirname(localHookFile), { recursive: true });
  await writeFile(localHookFile, `${JSON.stringify(hook, null, 2)}\n`, { mode: 0o600 });
  return { ...hook, telesign, stop };
}

/** The hook `npm start` is serving, if any: `npm run preview` calls it by default. */
export async function readLocalHook(): Promise<LocalHook | undefined> {
  try {
    return JSON.parse(await readFile(localHookFile, "utf8")) as LocalHook;
  } catch {
    return undefined;
  }
}

/** Runs Netlify's emulation of a project (by default this one); `env` is laid over this process's environment. */
export function spawnEmulator(port: number, env: Record<string, string>, project = projectRoot): ChildProcess {
  const require = createRequire(import.meta.url);
  const netlifyCli = path.join(path.dirname(require.resolve("netlify-cli/package.json")), "bin", "run.js");
  const loopbackOnly = path.join(import.meta.dirname, "loopback-only.mjs");
  const args = ["--import", loopbackOnly, netlifyCli, "functions:serve", "--offline", "--port", String(port)];
  return spawn(process.execPath, args, {
    cwd: project,
    env: { ...process.env, ...env, NETLIFY_TELEMETRY_DISABLED: "1", BROWSER: "none" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function stopEmulator(emulator: ChildProcess): void {
  if (emulator.exitCode === null) emulator.kill("SIGTERM");
}

function forwardLines(child: ChildProcess, onLine: ((line: string) => void) | undefined): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    const lines = createInterface({ input: stream });
    lines.on("line", (line) => onLine?.(line));
  }
}

/** Resolves once the function answers (a GET gets its 405), fails if the emulator exits or takes over a minute. */
async function untilServing(url: string, emulator: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (emulator.exitCode !== null) throw new Error(`netlify functions:serve exited with code ${emulator.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.text();
      if (response.status === 405) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
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
