import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { announceLocalHook, findLocalHooks } from "../tools/local-hooks.ts";

/** How `npm run preview` finds the running `npm start`s: their announcements in the folder they started from. */

let workspace: string;
beforeEach(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), "local-hooks-"));
});
afterEach(() => rm(workspace, { recursive: true, force: true }));

const localSecret = "local-secret-of-this-run-4f1e";
const hook = { url: "http://127.0.0.1:8888/.netlify/functions/telesign", headerName: "authorization" };
const announcements = () => path.join(workspace, ".netlify", "local-hooks");

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ["-e", ""]);
  await new Promise((ended) => child.once("exit", ended));
  return child.pid as number;
}

describe("local hooks", () => {
  it("finds a hook this process announced, and forgets it once withdrawn", async () => {
    const withdraw = await announceLocalHook({ ...hook, secret: localSecret }, workspace);
    expect(await findLocalHooks(workspace)).toEqual([{ ...hook, secret: localSecret }]);
    await withdraw();
    expect(await findLocalHooks(workspace)).toEqual([]);
    expect(await readdir(announcements())).toEqual([]);
  });

  it("never writes a secret to disk: start:live's announcement names its env file, npm start's secret comes from the run", async () => {
    const announced = async () => {
      const [file] = await readdir(announcements());
      return readFile(path.join(announcements(), file as string), "utf8");
    };
    const withdrawLocal = await announceLocalHook({ ...hook, secret: localSecret }, workspace);
    expect(await announced()).not.toContain(localSecret);
    expect(await findLocalHooks(workspace)).toEqual([{ ...hook, secret: localSecret }]);
    await withdrawLocal();
    const withdrawLive = await announceLocalHook({ ...hook, envFile: "/project/.env" }, workspace);
    expect(JSON.parse(await announced())).not.toHaveProperty("secret");
    expect(await findLocalHooks(workspace)).toEqual([{ ...hook, envFile: "/project/.env" }]);
    await withdrawLive();
  });

  it("drops the announcement of a run that was killed (its process is gone), and an unreadable one", async () => {
    const dir = announcements();
    await mkdir(dir, { recursive: true });
    const pid = await deadPid();
    await writeFile(
      path.join(dir, `${pid}.json`),
      JSON.stringify({ ...hook, pid, startedAt: new Date().toISOString() }),
    );
    await writeFile(path.join(dir, "12345678.json"), "not json");
    expect(await findLocalHooks(workspace)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("finds none where nothing was ever started", async () => {
    expect(await findLocalHooks(workspace)).toEqual([]);
  });
});

describe("preview never trusts a reused pid or port", () => {
  let impostor: Server;
  let asked: string[];
  beforeEach(async () => {
    // Whatever now listens where the announcement points: it answers everything with 200.
    asked = [];
    impostor = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        asked.push(body);
        response.writeHead(200, { "content-type": "application/json" }).end(body);
      });
    });
    await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", resolve));
  });
  afterEach(() => new Promise<void>((resolve) => impostor.close(() => resolve())));

  it("an announcement whose pid now belongs to another live process is dropped, and nothing is sent to it", async () => {
    const dir = announcements();
    await mkdir(dir, { recursive: true });
    const { port } = impostor.address() as AddressInfo;
    const pid = process.pid; // alive, but not the run that wrote the announcement
    await writeFile(
      path.join(dir, `${pid}.json`),
      JSON.stringify({
        url: `http://127.0.0.1:${port}/.netlify/functions/telesign`,
        headerName: "authorization",
        secret: localSecret,
        pid,
        startedAt: new Date().toISOString(),
        control: `http://127.0.0.1:${port}/`,
        nonce: "a-nonce-the-impostor-echoes-back",
      }),
    );
    expect(await findLocalHooks(workspace)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
    expect(asked.join("")).not.toContain(localSecret);
  });
});

describe("a live run slow to prove itself (a busy machine) keeps its announcement", () => {
  let silent: Server;
  beforeEach(async () => {
    // Accepts the proof request and never answers, as a run stalled under load would.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  });
  afterEach(() => {
    silent.closeAllConnections();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it("is skipped this once, never called, and its file stays for the next preview", async () => {
    const dir = announcements();
    await mkdir(dir, { recursive: true });
    const { port } = silent.address() as AddressInfo;
    const file = `${process.pid}.json`;
    await writeFile(
      path.join(dir, file),
      JSON.stringify({
        ...hook,
        pid: process.pid, // alive
        startedAt: new Date().toISOString(),
        control: `http://127.0.0.1:${port}/`,
        nonce: "the-run-s-own-nonce",
      }),
    );
    expect(await findLocalHooks(workspace, { proofTimeoutMs: 50 })).toEqual([]);
    expect(await readdir(dir)).toEqual([file]);
  });
});

// Each test starts Node with tsx (one of them a child of its own): the timeout only catches a hang,
// and is generous so that a busy machine slows these tests without failing them.
describe("start:live's announcement is withdrawn on every exit path", { timeout: 60_000 }, () => {
  const tsx = import.meta.resolve("tsx");
  const run = path.join(import.meta.dirname, "support", "announcing-run.ts");

  async function endedRun(how: string, signal?: NodeJS.Signals): Promise<string[]> {
    const child = spawn(process.execPath, ["--import", tsx, run, workspace, how], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const ended = new Promise((resolve) => child.once("exit", resolve));
    // Whether it announced before it ended.
    const ready = new Promise<boolean>((resolve) => {
      createInterface({ input: child.stdout }).on("line", (line) => line === "ready" && resolve(true));
      child.once("exit", () => resolve(false));
    });
    if (signal !== undefined) {
      expect(await ready).toBe(true);
      expect(await readdir(announcements())).toHaveLength(1);
      child.kill(signal);
    }
    await ended;
    expect(await ready).toBe(true);
    return readdir(announcements()).catch(() => []);
  }

  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)("ended by %s", async (signal) => {
    expect(await endedRun("signal", signal)).toEqual([]);
  });

  it.each(["exit", "crash", "child"])("ended by %s", async (how) => {
    expect(await endedRun(how)).toEqual([]);
  });
});
