import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { zipFunctions } from "@netlify/zip-it-and-ship-it";
import { serveTelesignSimulator } from "../simulator/server.ts";
import { buildFunctions, chunksFolder } from "../tools/build.mjs";
import { simulatorCredential } from "../tools/local-stack.ts";
import { projectRoot } from "../tools/project-root.mjs";
import { benchEnv, hookSecret, oktaBody } from "./okta-requests.ts";
import { median } from "./statistics.ts";

/** Part of npm run bench: cold start, as Netlify deploys it. */
export async function coldStart(smoke: boolean) {
  const work = await mkdtemp(path.join(tmpdir(), "bench-cold-"));
  const telesign = await serveTelesignSimulator({ ...simulatorCredential, scenarios: {} });
  try {
    const builtFunctions = path.join(work, "built");
    await buildFunctions(undefined, builtFunctions);
    const built = {
      // As netlify.toml deploys it: pre-built by esbuild, zipped as it is.
      hook: await deployed(builtFunctions, "telesign", work, "none"),
      // As Netlify's own bundler would ship the sources: node_modules unbundled.
      "hook, unbundled": await deployed(path.join(projectRoot, "netlify", "functions"), "telesign", work, "esbuild"),
      floor: await deployed(path.join(projectRoot, "bench", "functions"), "floor", work, "esbuild"),
    };
    const runs = smoke ? 1 : 15;
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(built).map((name) => [name, []]));
    const cpuTimes: Record<string, number[]> = Object.fromEntries(Object.keys(built).map((name) => [name, []]));
    for (let run = 0; run < runs; run++) {
      for (const [name, { entry }] of Object.entries(built)) {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [path.join(projectRoot, "bench", "cold-start.mjs"), entry],
          {
            env: {
              ...process.env,
              ...benchEnv,
              TELESIGN_API_URL: telesign.url,
              BENCH_HOOK_AUTHORIZATION: hookSecret,
              BENCH_REQUEST_BODY: oktaBody("sms"),
              // Netlify's driver, loaded as on Netlify; no database answers here (the port is closed),
              // so the first request pays the client's load and one failed round trip, not a query.
              NETLIFY_DB_URL: "postgres://bench@127.0.0.1:9/bench",
              NETLIFY_DB_DRIVER: "serverless",
            },
          },
        );
        const last = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { ms: number; cpuMs: number; ok: boolean };
        if (!last.ok) throw new Error(`${name}: the cold start did not answer SUCCESSFUL`);
        times[name]?.push(last.ms);
        cpuTimes[name]?.push(last.cpuMs);
      }
    }
    const sides: Record<string, { medianMs: number; medianCpuMs: number; zipBytes: number; unzippedBytes: number }> =
      {};
    for (const [name, { zipBytes, unzippedBytes }] of Object.entries(built)) {
      sides[name] = {
        medianMs: Number(median(times[name] ?? []).toFixed(1)),
        medianCpuMs: Number(median(cpuTimes[name] ?? []).toFixed(1)),
        zipBytes,
        unzippedBytes,
      };
    }
    return { runs, sides };
  } finally {
    await telesign.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** Builds one function with Netlify's bundler, as a deploy does, and unzips it. */
async function deployed(directory: string, name: string, work: string, nodeBundler: "none" | "esbuild") {
  const build = async (archiveFormat: "zip" | "none") => {
    const [result] = await zipFunctions(directory, path.join(work, `${name}-${nodeBundler}-${archiveFormat}`), {
      archiveFormat,
      basePath: projectRoot,
      repositoryRoot: projectRoot,
      // As netlify.toml's included_files: the chunks of a pre-built function go in its zip.
      config: {
        "*":
          nodeBundler === "none"
            ? { nodeBundler, includedFiles: [`${chunksFolder}/*.mjs`], includedFilesBasePath: directory }
            : { nodeBundler },
      },
      featureFlags: {},
    }).then((all) => all.filter((fn) => fn.name === name));
    if (result === undefined) throw new Error(`${name} was not built`);
    return result.path;
  };
  // The zip is what is deployed (its size); the same build unpacked is what runs.
  const zip = await build("zip");
  const unpacked = await build("none");
  // The entry point names the function module, wherever the bundler put it.
  const entryPoint = await readFile(path.join(unpacked, "___netlify-entry-point.mjs"), "utf8");
  const functionFile = path.join(unpacked, /getLambdaHandler\('([^']+)'\)/.exec(entryPoint)?.[1] ?? `${name}.mjs`);
  return { entry: functionFile, zipBytes: (await stat(zip)).size, unzippedBytes: await sizeOf(unpacked) };
}

async function sizeOf(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}
