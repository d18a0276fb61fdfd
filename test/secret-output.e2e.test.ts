import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceLocalHook } from "../tools/local-hooks.ts";
import { projectRoot } from "../tools/project-root.mjs";

/**
 * `npm run preview` and `npm run start:live` given a secret with a stray character: each names
 * the variable in one line and never prints the value, on stdout, stderr or in `--json`.
 */

const tsx = import.meta.resolve("tsx");
const { OKTA_HOOK_AUTH: _, OKTA_AUTH_SECRETS: __, ...userEnv } = process.env;

function runScript(script: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", tsx, path.join(projectRoot, "scripts", script), ...args],
      { cwd, timeout: 30_000, env: { ...userEnv, ...env } },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : ((error as { code?: number }).code ?? null),
          output: `${stdout}\n${stderr}`,
        }),
    );
  });
}

const strays = [
  ["a newline", "\n"],
  ["a non-ASCII character", "ü"],
  ["a quote", '"'],
] as const;

let workspace: string;
let hook: Server;
let hookUrl: string;
beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), "secret-output-"));
  // A hook that refuses everything, as a deploy given the wrong secret does.
  hook = createServer((_request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { errorSummary: "Unauthorized", errorCauses: [] } }));
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/.netlify/functions/telesign`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => hook.close(() => resolve()));
  await rm(workspace, { recursive: true, force: true });
});

describe("npm run preview never prints the secret it sends", () => {
  it.each(
    strays.flatMap(([stray, character]) => [
      [stray, "--auth", character] as const,
      [stray, "OKTA_HOOK_AUTH", character] as const,
    ]),
  )("with %s in %s", async (stray, source, character) => {
    const secret = `LeakPreviewLeft${character}LeakPreviewRight`;
    const viaOption = source === "--auth" ? ["--auth", secret] : [];
    const env: Record<string, string> = source === "OKTA_HOOK_AUTH" ? { OKTA_HOOK_AUTH: secret } : {};
    for (const json of [[], ["--json"]]) {
      const { code, output } = await runScript("preview.ts", ["--url", hookUrl, ...viaOption, ...json], workspace, env);
      expect(code).toBe(1);
      expect(output).not.toMatch(/LeakPreviewLeft|LeakPreviewRight/);
      if (stray !== "a quote") expect(output).toContain(`error: ${source} holds `);
    }
  });
});

describe("npm run preview never echoes an unquoted secret in a usage error", () => {
  it("--auth Basic <credential> without quotes: one line, exit 2, the credential not shown", async () => {
    const credential = "dGVzdDpTRUNSRVRLRVk=";
    const { code, output } = await runScript(
      "preview.ts",
      ["--url", hookUrl, "--auth", "Basic", credential],
      workspace,
    );
    expect(code).toBe(2);
    expect(output).toContain("error: an unexpected argument (not shown)");
    expect(output).not.toContain(credential);
  });
});

describe("npm run preview against start:live sends the secret the hook reads", () => {
  it("takes OKTA_AUTH_SECRETS from the run's env file, never from the shell's environment", async () => {
    const received: (string | undefined)[] = [];
    const live = createServer((request, response) => {
      received.push(request.headers.authorization);
      request.resume();
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { errorSummary: "Unauthorized", errorCauses: [] } }));
    });
    await new Promise<void>((resolve) => live.listen(0, "127.0.0.1", resolve));
    const envFile = path.join(workspace, "live.env");
    await writeFile(envFile, "OKTA_AUTH_SECRETS=the-file-secret-the-hook-reads-01\n");
    const url = `http://127.0.0.1:${(live.address() as AddressInfo).port}/.netlify/functions/telesign`;
    const withdraw = await announceLocalHook({ url, headerName: "authorization", envFile }, workspace);
    try {
      await runScript("preview.ts", [], workspace, { OKTA_AUTH_SECRETS: "a-shell-secret-the-hook-never-read" });
    } finally {
      await withdraw();
      await new Promise<void>((resolve) => live.close(() => resolve()));
    }
    expect(received).toEqual(["the-file-secret-the-hook-reads-01"]);
  });
});

describe("npm run start:live never prints a secret of its env file", () => {
  it.each(
    ["TELESIGN_API_KEY", "OKTA_AUTH_SECRETS", "STATUS_API_TOKENS"].flatMap((variable) =>
      strays
        .filter(([stray]) => stray !== "a quote")
        .map(([stray, character]) => [variable, stray, character] as const),
    ),
  )("%s with %s is named, and nothing starts", async (variable, _stray, character) => {
    const file = path.join(workspace, `${variable}.env`);
    const secret = `LeakStartLeft${character}LeakStartRight`;
    const values: Record<string, string> = {
      TELESIGN_CUSTOMER_ID: "00000000-0000-4000-8000-00000000CAFE",
      TELESIGN_API_KEY: "dGVsZXNpZ24gdGVzdCBrZXkgMDAwMA==",
      OKTA_AUTH_SECRETS: "a-long-enough-hook-secret-000",
      [variable]: secret,
    };
    const text = Object.entries(values)
      .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
      .join("\n");
    await writeFile(file, `${text}\n`);
    const { code, output } = await runScript("start.ts", ["--live", "--env-file", file, "--port", "1"], workspace);
    expect(code).toBe(1);
    expect(output).not.toMatch(/LeakStartLeft|LeakStartRight/);
    expect(output).toContain(`error: ${variable} holds `);
  });
});
