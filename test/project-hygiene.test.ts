import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nodeTarget } from "../scripts/build.mjs";
import { projectRoot } from "../scripts/local-stack.ts";

/** One Node version story: what Netlify runs, the oldest Node supported, and what the code is checked against. */

const read = (file: string) => readFile(path.join(projectRoot, file), "utf8");
const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

describe("the Node version story", async () => {
  const pkg = JSON.parse(await read("package.json")) as {
    engines: { node: string };
    devDependencies: Record<string, string>;
    license: string;
  };
  const netlifyToml = await read("netlify.toml");
  const nvmrc = (await read(".nvmrc")).trim();

  it("Netlify builds and runs on the Node .nvmrc names", () => {
    expect(/NODE_VERSION = "(\d+)"/.exec(netlifyToml)?.[1]).toBe(nvmrc);
  });

  it("the oldest Node supported is what the bundles target and the types describe", () => {
    const floor = major(pkg.engines.node);
    expect(major(nodeTarget)).toBe(floor);
    expect(major(pkg.devDependencies["@types/node"] ?? "")).toBe(floor);
    expect(Number(nvmrc)).toBeGreaterThanOrEqual(floor);
  });

  it("the LICENSE file is the license package.json names", async () => {
    expect(await read("LICENSE")).toMatch(new RegExp(`^${pkg.license} License`));
  });
});
