import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtFunctions, bundleFunctions, chunksFolder } from "../tools/build.mjs";
import { projectRoot } from "../tools/project-root.mjs";

/**
 * What each built function loads when Netlify starts it, from esbuild's account of the build: its
 * own file and every file that imports statically, however far down. Dynamic imports are left out:
 * they load when the code runs them.
 */
function loadedAtStart(metafile: Metafile): string[] {
  const entry = Object.keys(metafile.outputs).find((file) => metafile.outputs[file]?.entryPoint !== undefined);
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const { path: imported, kind } of metafile.outputs[file]?.imports ?? []) {
      if (kind === "import-statement" && imported in metafile.outputs) visit(imported);
    }
  };
  if (entry !== undefined) visit(entry);
  return [...loaded];
}

/** The npm packages whose code went into the given output files. */
function packagesIn(metafile: Metafile, files: string[]): Set<string> {
  const packages = new Set<string>();
  for (const file of files) {
    for (const input of Object.keys(metafile.outputs[file]?.inputs ?? {})) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      if (name !== undefined) packages.add(name);
    }
  }
  return packages;
}

describe("what a function loads when Netlify starts it (its cold start)", () => {
  let output: string;
  let built: Awaited<ReturnType<typeof bundleFunctions>>;
  beforeAll(async () => {
    output = await mkdtemp(path.join(tmpdir(), "function-bundles-"));
    built = await bundleFunctions(undefined, path.join(output, "functions"));
  });
  afterAll(() => rm(output, { recursive: true, force: true }));

  it("no function loads node-postgres at start: Netlify runs Neon's HTTP driver, node-postgres is for local runs", () => {
    for (const { name, metafile } of built) {
      const atStart = packagesIn(metafile, loadedAtStart(metafile));
      expect(
        [...atStart].filter((pkg) => /^(pg|pg-.+|pgpass|postgres-.+)$/.test(pkg)),
        name,
      ).toEqual([]);
    }
  });

  it("node-postgres stays in the build, loaded when a local run opens its first connection", () => {
    const hook = built.find(({ name }) => name === "telesign");
    expect(hook).toBeDefined();
    const { metafile } = hook as (typeof built)[number];
    const later = Object.keys(metafile.outputs).filter((file) => !loadedAtStart(metafile).includes(file));
    expect(packagesIn(metafile, later)).toContain("pg");
  });

  it("the hook loads jose only in OAuth mode, not at start", () => {
    const hook = built.find(({ name }) => name === "telesign") as (typeof built)[number];
    expect(packagesIn(hook.metafile, loadedAtStart(hook.metafile))).not.toContain("jose");
    expect(packagesIn(hook.metafile, Object.keys(hook.metafile.outputs))).toContain("jose");
  });

  it("every file besides the functions is a chunk, in the folder netlify.toml puts in each function's zip", async () => {
    const netlifyToml = await readFile(path.join(projectRoot, "netlify.toml"), "utf8");
    const chunks = `${path.relative(projectRoot, builtFunctions)}/${chunksFolder}/*.mjs`;
    expect(netlifyToml).toContain(`included_files = ["${chunks}"]`);
    const functionFiles = built.map(({ name }) => `${name}.mjs`);
    for (const { metafile } of built) {
      for (const file of Object.keys(metafile.outputs)) {
        const relative = path.relative(path.join(output, "functions"), path.resolve(file));
        if (!functionFiles.includes(relative)) expect(relative).toMatch(new RegExp(`^${chunksFolder}/[^/]+\\.mjs$`));
      }
    }
  });
});
