import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimulatorServer, serveTelesignSimulator } from "../simulator/server.ts";
import { projectRoot } from "../tools/project-root.mjs";
import { apiKey, baseEnv, customerId, oktaSecret } from "./support/hook.ts";
import { oktaRequest } from "./support/okta-requests.ts";

/**
 * A pumping burst on several instances at once: three instances of the deployed hook, each its own
 * process, share one database (Netlify's local emulation over the wire) and one Telesign. They are
 * released together (a barrier, not a delay), each with four codes for the same number at once.
 * Only the database's atomic count keeps the number under its limit: no instance's memory sees
 * the others'.
 */

const instances = 3;
const perInstance = 4;

let database: ChildProcess;
let telesign: SimulatorServer;
let processes: ChildProcess[] = [];

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

beforeAll(async () => {
  database = fork(path.join(projectRoot, "test", "support", "database-process.ts"), [], {
    cwd: projectRoot,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const databaseUrl = await next<string>(database, "url");
  telesign = await serveTelesignSimulator({ customerId, apiKey, latencyMs: 20 });
  processes = Array.from({ length: instances }, () =>
    fork(path.join(projectRoot, "test", "support", "hook-process.ts"), [], {
      cwd: projectRoot,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      env: {
        ...process.env,
        ...baseEnv,
        TELESIGN_API_URL: telesign.url,
        NETLIFY_DB_URL: databaseUrl,
        NETLIFY_DB_DRIVER: "server",
        FRAUD_LIMITS: "number:3/1h",
      },
    }),
  );
  await Promise.all(processes.map((child) => next(child, "started")));
}, 60_000);

afterAll(async () => {
  for (const child of processes) child.kill();
  await telesign?.close();
  database?.send({ stop: true });
});

describe("a rate limit on several instances at the same instant", () => {
  it("number:3/1h: a dozen concurrent codes for one number over three instances sends 3", async () => {
    await Promise.all(
      processes.map((child, instance) => {
        const bodies = Array.from({ length: perInstance }, (_, n) =>
          JSON.stringify(oktaRequest({ phoneNumber: "+447400123456" }, { eventId: `burst-${instance}-${n}` })),
        );
        const ready = next(child, "ready");
        child.send({ prepare: { bodies, authorization: oktaSecret } });
        return ready;
      }),
    );
    const answered = processes.map((child) => next<unknown[]>(child, "answers"));
    for (const child of processes) child.send({ go: true });
    const answers = (await Promise.all(answered)).flat() as Record<string, any>[];

    expect(telesign.simulator.sentBodies()).toHaveLength(3);
    expect(answers.filter((answer) => answer.commands !== undefined)).toHaveLength(3);
    expect(answers.filter((answer) => answer.error?.errorSummary === "Message blocked")).toHaveLength(9);
  }, 120_000);
});
