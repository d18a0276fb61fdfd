import { createHmac, randomBytes } from "node:crypto";
import { unlinkSync } from "node:fs";
import { mkdir, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { jsonValueOf } from "../src/http/json.ts";
import { secretsEqual } from "../src/support/constant-time.ts";

/**
 * Where the running `npm start`s say where they are: each announces its hook in the folder it was
 * started from, and hands its secret only to a process that proves it can read that folder.
 */

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
