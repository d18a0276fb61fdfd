import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { announceLocalHook, findLocalHooks } from "../scripts/local-stack.ts";

/** How `npm run preview` finds the running `npm start`s: their announcements in the folder they started from. */

let workspace: string;
beforeEach(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), "local-hooks-"));
});
afterEach(() => rm(workspace, { recursive: true, force: true }));

const hook = { url: "http://127.0.0.1:8888/.netlify/functions/telesign", headerName: "authorization", secret: "s" };

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ["-e", ""]);
  await new Promise((ended) => child.once("exit", ended));
  return child.pid as number;
}

describe("local hooks", () => {
  it("finds a hook this process announced, and forgets it once withdrawn", async () => {
    const withdraw = await announceLocalHook(hook, workspace);
    expect(await findLocalHooks(workspace)).toEqual([hook]);
    await withdraw();
    expect(await findLocalHooks(workspace)).toEqual([]);
  });

  it("drops the announcement of a run that was killed (its process is gone), and an unreadable one", async () => {
    const dir = path.join(workspace, ".netlify", "local-hooks");
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
