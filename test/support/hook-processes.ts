import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { type SimulatorServer, serveTelesignSimulator } from "../../simulator/server.ts";
import { projectRoot } from "../../tools/project-root.mjs";
import { apiKey, baseEnv, customerId, oktaSecret } from "./hook.ts";

/**
 * Several instances of the hook, each its own process (support/hook-process.ts), sharing one
 * database (Netlify's local emulation over the wire, in a process of its own) and one Telesign
 * simulator. `release` hands each instance its requests, waits until every one is ready, then
 * lets them all go at once (a barrier, not a delay).
 *
 * The database's bounds are generous here (`boundsMs`): these tests prove what the database does
 * when every instance reaches it, and a busy machine must not turn them into tests of the
 * fallback. The fallback has tests of its own (test/fault-matrix.test.ts).
 */
export interface HookProcesses {
  telesign: SimulatorServer;
  /** Sends each instance its bodies, releases all together; each instance's answers and memory-guarded events. */
  release(bodiesOf: (instance: number) => string[]): Promise<{ answers: unknown[]; memoryGuarded: string[] }[]>;
  stop(): Promise<void>;
}

/** Each database statement's bound in these processes, inside a budget of 2,500 ms. */
const boundsMs = 2_000;

/** The next message of a process that has `key`. */
function next<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (!(key in message)) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message[key] as T);
    };
    const onExit = (code: number | null) => reject(new Error(`an instance exited (${code}) before ${key}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

export async function startHookProcesses({
  instances,
  latencyMs,
  env = {},
}: {
  instances: number;
  /** Telesign's latency: the other instances' repeats come while the first waits. */
  latencyMs: number;
  env?: Record<string, string>;
}): Promise<HookProcesses> {
  // The database answers from a process of its own, as Netlify's does from a server of its own.
  const database = fork(path.join(projectRoot, "test", "support", "database-process.ts"), [], {
    cwd: projectRoot,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const databaseUrl = await next<string>(database, "url");
  const telesign = await serveTelesignSimulator({ customerId, apiKey, latencyMs });
  const processes = Array.from({ length: instances }, () =>
    fork(path.join(projectRoot, "test", "support", "hook-process.ts"), [], {
      cwd: projectRoot,
      execArgv: ["--import", "tsx"],
      // Their logs stay theirs: each reports the events it guarded in memory only over IPC.
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      env: {
        ...process.env,
        ...baseEnv,
        TELESIGN_API_URL: telesign.url,
        TELESIGN_TIMEOUT_MS: "2500",
        NETLIFY_DB_URL: databaseUrl,
        NETLIFY_DB_DRIVER: "server",
        HOOK_TEST_DATABASE_BOUND_MS: String(boundsMs),
        ...env,
      },
    }),
  );
  await Promise.all(processes.map((child) => next(child, "started")));

  return {
    telesign,
    async release(bodiesOf) {
      // Everyone prepared and waiting; then released together.
      await Promise.all(
        processes.map((child, instance) => {
          const ready = next(child, "ready");
          child.send({ prepare: { bodies: bodiesOf(instance), authorization: oktaSecret } });
          return ready;
        }),
      );
      const answered = processes.map((child) =>
        next<{ answers: unknown[]; memoryGuarded: string[] }>(child, "answered"),
      );
      for (const child of processes) child.send({ go: true });
      return Promise.all(answered);
    },
    async stop() {
      for (const child of processes) child.kill();
      await telesign.close();
      database.send({ stop: true });
    },
  };
}
