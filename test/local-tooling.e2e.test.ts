import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveTelesignSimulator } from "../simulator/server.ts";
import { simulatorCredential, startLocalStack } from "../tools/local-stack.ts";
import { freePort } from "../tools/ports.ts";
import { projectRoot } from "../tools/project-root.mjs";

/**
 * `npm start` and `npm run preview` as a user runs them, with the ordinary things a user does
 * beside them: a test run, a second `npm start`, a stray `.env`, a typo in an option. Each runs
 * as its own process in a folder of its own (the "project folder" npm would run it from).
 */

const tsx = import.meta.resolve("tsx");
/** The environment of a user who has set nothing for the hook. */
const { OKTA_HOOK_AUTH: _, ...userEnv } = process.env;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the project's scripts to its end, from `cwd`. */
function runScript(script: string, args: string[], cwd: string, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", tsx, path.join(projectRoot, "scripts", script), ...args],
      { cwd, timeout: timeoutMs, env: userEnv },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stdout, stderr }),
    );
  });
}

/** Runs `npm run <script> -- <args>` as a user types it, from the project folder. */
function npmRun(script: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["run", "--silent", script, "--", ...args],
      { cwd: projectRoot, timeout: 30_000, env: userEnv },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stdout, stderr }),
    );
  });
}

interface Started {
  process: ChildProcess;
  output: string[];
  port: number;
  /** Resolves with the exit code once the process has ended. */
  ended: Promise<number | null>;
}

/** Starts `npm start` (scripts/start.ts) in `cwd` and waits until it says it is ready. */
async function npmStart(cwd: string, port: number, more: string[] = []): Promise<Started> {
  const child = spawn(
    process.execPath,
    ["--import", tsx, path.join(projectRoot, "scripts", "start.ts"), "--port", `${port}`, ...more],
    {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on("line", (line) => output.push(line));
  const ended = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  for (let waited = 0; !output.includes("Ready."); waited += 100) {
    if (child.exitCode !== null || waited > 90_000)
      throw new Error(`npm start did not get ready:\n${output.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { process: child, output, port, ended };
}

async function stop(started: Started): Promise<number | null> {
  started.process.kill("SIGTERM");
  return started.ended;
}

/** `npm run preview -- --json`'s verdicts, run from `cwd`. */
async function preview(cwd: string, ...args: string[]) {
  const run = await runScript("preview.ts", ["--json", ...args], cwd);
  const lines = run.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map(
      (line) =>
        JSON.parse(line) as {
          verdict: string;
          explanation: string;
          sent: string;
          transactionId?: string;
          errorSummary?: string;
          durationMs: number;
        },
    );
  return { ...run, verdicts: lines };
}

let workspace: string;

beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), "hook-workspace-"));
});
afterAll(() => rm(workspace, { recursive: true, force: true }));

describe("command lines", () => {
  it.each(["start.ts", "preview.ts", "check.ts", "okta.ts", "deploy-check.ts"])(
    "%s --help lists the options and exits 0",
    async (script) => {
      const run = await runScript(script, ["--help"], workspace);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: npm /);
      expect(run.stdout).toContain("--help");
    },
  );

  it.each([
    ["start.ts", ["--bogus"], /^error: Unknown option '--bogus'$/],
    ["start.ts", ["--port", "abc"], /^error: --port takes a whole number from 1 to 65535, not "abc"$/],
    ["start.ts", ["--delivery-delay", "-5"], /^error: /],
    ["preview.ts", ["--bogus"], /^error: Unknown option '--bogus'$/],
    ["preview.ts", ["--channel", "fax"], /^error: --channel takes sms or voice, not "fax"$/],
    ["preview.ts", ["--wait-seconds", "soon"], /^error: --wait-seconds takes a whole number/],
    [
      "preview.ts",
      ["--type", "enrolment"],
      /^error: --type takes enrollment, verification, unlock, reset or a raw com\.okta\.… requestType, not "enrolment"$/,
    ],
    ["check.ts", ["--bogus"], /^error: Unknown option '--bogus'$/],
    ["okta.ts", ["status", "--bogus"], /^error: Unknown option '--bogus'$/],
    ["deploy-check.ts", ["--bogus"], /^error: Unknown option '--bogus'$/],
  ] as const)("%s %j is a usage error: one line, the usage, exit 2, no stack trace", async (script, args, message) => {
    const run = await runScript(script, [...args], workspace);
    expect(run.code).toBe(2);
    const [first, blank, usage] = run.stderr.split("\n");
    expect(first).toMatch(message);
    expect(blank).toBe("");
    expect(usage).toMatch(/^Usage: npm /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ["check", 1, (file: string) => `error: --env-file ${file}: no such file; give a file of NAME=value lines`],
    [
      "start:live",
      1,
      (file: string) =>
        `error: ${file} not found: copy .env.example to .env and fill in your Telesign and Okta values, or give --env-file <file>.`,
    ],
  ] as const)(
    "npm run %s -- --env-file <missing file> answers with its own one line and exit 1, not Node's (exit 9) nor a usage text",
    async (script, code, message) => {
      const missing = path.join(workspace, "nope.env");
      const run = await npmRun(script, ["--env-file", missing]);
      expect(run.stderr.trim()).toBe(message(missing)); // one line: a missing file is no usage error
      expect(run.code).toBe(code);
      expect(run.stderr).not.toMatch(/^node: /m);
    },
  );

  it("okta without Okta credentials says what to set in one line, exit 1", async () => {
    const run = await runScript("okta.ts", ["status"], workspace);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      "error: set OKTA_ORG_URL to your Okta org's URL (e.g. https://example.okta.com), and OKTA_API_TOKEN or a service app (see --help).",
    );
  });

  it("check judges an env file: exit 1 with the variable at fault (never its value), exit 0 once fixed", async () => {
    const envFile = path.join(workspace, "check.env");
    await writeFile(envFile, "TELESIGN_CUSTOMER_ID=abc\nTELESIGN_API_KEY=a2V5\nOKTA_AUTH_SECRETS=tooShort99\n");
    const bad = await runScript("check.ts", ["--env-file", envFile], workspace);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /✗ OKTA_AUTH_SECRETS +invalid\n +OKTA_AUTH_SECRETS must hold secrets of at least 16 characters each/,
    );
    expect(bad.stdout).not.toContain("tooShort99");
    await writeFile(
      envFile,
      "TELESIGN_CUSTOMER_ID=abc\nTELESIGN_API_KEY=a2V5\nOKTA_AUTH_SECRETS=long-enough-secret-0001\n",
    );
    const good = await runScript("check.ts", ["--env-file", envFile], workspace);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("The configuration is complete");
  });

  it("start:live refuses a .env the functions would refuse, with the check's report, exit 1", async () => {
    const envFile = path.join(workspace, "refused.env");
    await writeFile(envFile, "TELESIGN_CUSTOMER_ID=abc\nOKTA_AUTH_SECRETS=long-enough-secret-0001\n");
    const run = await runScript(
      "start.ts",
      ["--live", "--env-file", envFile, "--port", `${await freePort()}`],
      workspace,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/✗ TELESIGN_API_KEY +missing/);
    expect(run.stderr.trim().split("\n").at(-1)).toBe(
      `error: fix ${envFile} as shown above, then npm run start:live again.`,
    );
  });

  it("preview with no hook running says how to start one, exit 1", async () => {
    const run = await runScript("preview.ts", [], workspace);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      "error: no local hook is running: start one with npm start (in another terminal), or call a deployed hook with --url <url> --auth <secret>.",
    );
  });

  it("npm start on a busy port names the port and how to choose another, exit 1, no stack trace", async () => {
    const port = await freePort();
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(port, "127.0.0.1", resolve));
    try {
      const run = await runScript("start.ts", ["--port", `${port}`], workspace);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(
        `error: port ${port} is in use (another npm start may be running): choose another with --port <n>, e.g. npm start -- --port ${port + 1}`,
      );
    } finally {
      busy.close();
    }
  });
});

describe("npm run start:live", () => {
  it("checks its .env, serves the functions with it alone, and preview reaches Telesign through them", async () => {
    const telesign = await serveTelesignSimulator({ ...simulatorCredential, port: 0 });
    const secret = "live-mode-header-secret-0001";
    const envFile = path.join(workspace, "live.env");
    await writeFile(
      envFile,
      [
        `TELESIGN_API_URL=${telesign.url}`,
        `TELESIGN_CUSTOMER_ID=${simulatorCredential.customerId}`,
        `TELESIGN_API_KEY=${simulatorCredential.apiKey}`,
        `OKTA_AUTH_SECRETS=${secret}`,
      ].join("\n"),
    );
    const live = await npmStart(workspace, await freePort(), ["--live", "--env-file", envFile]);
    try {
      expect(live.output).toContain("Configuration checked (npm run check): the functions will start with it.");
      expect(live.output.join("\n")).not.toContain(secret);
      const { verdicts, code } = await preview(workspace, "--phone", "+15555550100");
      expect(code).toBe(0);
      expect(verdicts[0]?.verdict).toBe("accept");
      expect(telesign.simulator.messages.size).toBe(1);
      // The production secret never goes to disk: preview read it from the env file, as the hook does.
      const announcements = path.join(workspace, ".netlify", "local-hooks");
      for (const file of await readdir(announcements)) {
        expect(await readFile(path.join(announcements, file), "utf8")).not.toContain(secret);
      }
      // A closed terminal (SIGHUP) withdraws the announcement too.
      live.process.kill("SIGHUP");
      expect(await live.ended).toBe(0);
      expect(await readdir(announcements)).toEqual([]);
    } finally {
      if (live.process.exitCode === null) await stop(live);
      await telesign.close();
    }
  }, 120_000);
});

describe("a running npm start", () => {
  let first: Started;

  beforeAll(async () => {
    // A stray .env with real-looking settings: npm start must not use it.
    await writeFile(
      path.join(workspace, ".env"),
      "TELESIGN_API_URL=https://rest-ww.telesign.com\nTELESIGN_TIMEOUT_MS=100\nOKTA_AUTH_SECRETS=from-a-stray-env-file\n",
    );
    first = await npmStart(workspace, await freePort());
  }, 120_000);

  afterAll(async () => {
    if (first.process.exitCode === null) await stop(first);
  });

  it("starts without warnings: its own readiness probes' answers are not shown", () => {
    expect(first.output.filter((line) => line.includes('"level":"warn"'))).toEqual([]);
  });

  it("is ready only once it answers: the first request is accepted, with no error from the emulation", async () => {
    const { verdicts, code } = await preview(workspace);
    expect(code).toBe(0);
    expect(verdicts).toEqual([expect.objectContaining({ verdict: "accept", sent: "SMS" })]);
    expect(first.output.join("\n")).not.toMatch(/Cannot invoke|HTTP 500|\n\s+at /);
  }, 60_000);

  it("says it ignores a stray .env, and sends to the simulator all the same", async () => {
    expect(first.output).toContain(
      "Ignoring .env: npm start always sends to the simulator. npm run start:live uses .env and sends real messages.",
    );
    const before = first.output.length;
    const { verdicts } = await preview(workspace);
    expect(verdicts[0]?.verdict).toBe("accept");
    expect(first.output.slice(before).some((line) => line.includes("📨 SMS to +15555550100"))).toBe(true);
  }, 60_000);

  it("says that its curl example repeats one eventId", () => {
    expect(first.output.join("\n")).toContain(
      "this file has one eventId: a second paste gets the first answer again and sends no new message",
    );
  });

  it("answers each simulator scenario as documented, the hanging Telesign included", async () => {
    const expected: [string, string, RegExp][] = [
      ["+15555550100", "accept", /code is on its way/],
      ["+15555553500", "fall back", /answered error "3500"/],
    ];
    for (const [phone, verdict, explanation] of expected) {
      const { verdicts } = await preview(workspace, "--phone", phone);
      expect(verdicts[0]?.verdict, phone).toBe(verdict);
      expect(verdicts[0]?.explanation, phone).toMatch(explanation);
    }
    // The hook gives up on the hanging Telesign at its budget (2.5 s): through the emulator on a
    // busy machine the whole exchange may still pass Okta's 3 s, which the preview then calls a
    // skip; the answer is the timeout's either way (the deadline itself: the fault matrix).
    const [hanging] = (await preview(workspace, "--phone", "+15555550408")).verdicts;
    expect(hanging?.errorSummary).toBe("Message provider timed out");
    if (hanging?.verdict !== "fall back") expect(hanging?.durationMs).toBeGreaterThan(3_000);
  }, 60_000);

  it("labels --delivery-channel CALL a voice call, and the simulator places one", async () => {
    const before = first.output.length;
    const run = await runScript("preview.ts", ["--delivery-channel", "CALL", "--quiet"], workspace);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^✅ ACCEPT mfa-verification voice call: /);
    expect(first.output.slice(before).some((line) => line.includes("📨 VOICE to +15555550100"))).toBe(true);
  }, 60_000);

  it("keeps serving while a test run builds and serves its own stack beside it", async () => {
    const testRun = await startLocalStack({ port: await freePort() });
    await testRun.stop();
    const { verdicts } = await preview(workspace);
    expect(verdicts[0]?.verdict).toBe("accept");
  }, 120_000);

  it("keeps serving beside a second npm start; preview calls the newest, then the first again once it stops", async () => {
    const second = await npmStart(workspace, await freePort());
    try {
      const seenBy = async (started: Started) => {
        const before = started.output.length;
        const { verdicts } = await preview(workspace);
        expect(verdicts[0]?.verdict).toBe("accept");
        return started.output.slice(before).some((line) => line.includes("📨 SMS"));
      };
      expect(await seenBy(second)).toBe(true);
      expect(await stop(second)).toBe(0);
      expect(await seenBy(first)).toBe(true);
    } finally {
      if (second.process.exitCode === null) await stop(second);
    }
  }, 180_000);

  it("stops on Ctrl-C (SIGTERM) with exit 0, and preview then says none is running", async () => {
    expect(await stop(first)).toBe(0);
    expect(await readdir(path.join(workspace, ".netlify", "local-hooks"))).toEqual([]);
    const run = await runScript("preview.ts", [], workspace);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no local hook is running");
  }, 60_000);
});
