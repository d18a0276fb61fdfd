import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { parseGuardConfig } from "../src/fraud/guard-config.ts";
import { nodeTarget } from "../tools/build.mjs";
import { projectRoot } from "../tools/project-root.mjs";

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

  it("Netlify Database's client is the line that runs on the oldest Node supported (2.x needs Node 22.12)", async () => {
    const dependencies = (pkg as unknown as { dependencies: Record<string, string> }).dependencies;
    expect(dependencies["@netlify/database"]).toMatch(/^[~^]?1\.1\./);
    const installed = JSON.parse(await read("node_modules/@netlify/database/package.json")) as {
      engines: { node: string };
    };
    const [needed = 0] = (/(\d+)\.(\d+)/.exec(installed.engines.node) ?? []).slice(1).map(Number);
    expect(needed).toBeLessThanOrEqual(major(pkg.engines.node));
  });

  it("the LICENSE file is the license package.json names", async () => {
    expect(await read("LICENSE")).toMatch(new RegExp(`^${pkg.license} License`));
  });
});

describe("the admin's way in", async () => {
  const readme = await read("README.md");
  const nvmrc = (await read(".nvmrc")).trim();
  const netlifyToml = await read("netlify.toml");
  const pkg = JSON.parse(await read("package.json")) as { repository: { url: string } };

  it("the README stays the admin's page: at most 15 KB", () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15 * 1024);
  });

  it("the Deploy to Netlify button deploys the repository package.json names", () => {
    const target = /\(https:\/\/app\.netlify\.com\/start\/deploy\?repository=([^)\s]+)\)/.exec(readme)?.[1];
    expect(target).toBe(pkg.repository.url);
  });

  it("the button prompts for exactly what the usual setup needs: with those set, the hook is configured", () => {
    const section = netlifyToml.split("[template.environment]")[1] ?? "";
    const prompted = [...section.matchAll(/^\s*([A-Z_]+) = "[^"]+"$/gm)].map((match) => match[1] as string);
    expect(prompted).toEqual(["TELESIGN_CUSTOMER_ID", "TELESIGN_API_KEY", "OKTA_AUTH_SECRETS"]);
    const values = {
      TELESIGN_CUSTOMER_ID: "id",
      TELESIGN_API_KEY: "a2V5",
      OKTA_AUTH_SECRETS: "a-secret-of-enough-length",
    };
    expect(parseConfig(values).ok).toBe(true);
    // The toll-fraud guard's defaults serve: the button asks for none of its variables.
    expect(parseGuardConfig(values).ok).toBe(true);
    for (const name of prompted) expect(parseConfig({ ...values, [name]: "" }).ok).toBe(false);
  });

  it("says in one place what Okta does after a hook error, citing Okta, and nowhere that Okta no longer delivers", () => {
    const sections = readme.split(/^### When the hook answers an error$/m);
    expect(sections).toHaveLength(2);
    const section = sections[1]?.split(/^## /m)[0] ?? "";
    expect(section).toContain("(https://developer.okta.com/docs/reference/telephony-hook/)");
    expect(section).toMatch(/no code is delivered/);
    expect(section).toMatch(/its own telephony providers/);
    expect(section).toMatch(/Who pays/);
    expect(readme).not.toMatch(/no longer delivers|then uses its own provider|falls back to its own provider/);
    expect(readme).not.toMatch(/shared\/spec/);
  });

  it("names the Node to use, and why npm warns on 20, in its first lines", () => {
    const opening = readme.split("\n").slice(0, 16).join("\n");
    expect(opening).toContain(`**Node ${nvmrc}**`);
    expect(opening).toContain("EBADENGINE");
  });

  it("Netlify's build installs dependencies only", () => {
    expect(netlifyToml).toMatch(/^\s*NPM_FLAGS = "--omit=dev"$/m);
  });
});

describe("the layout: folders by role, arrows one way", async () => {
  const { execFileSync } = await import("node:child_process");
  const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: projectRoot,
    encoding: "utf8",
  })
    .split("\0")
    .filter((file) => /\.(ts|mts|mjs)$/.test(file));
  const folderOf = (file: string) => file.split("/")[0] ?? "";
  /** Which folder's files import which other folders' files. */
  const arrows = new Map<string, Set<string>>();
  const importers = new Map<string, string[]>();
  for (const file of tracked) {
    const text = await read(file).catch(() => "");
    for (const [, specifier = ""] of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)"(\.{1,2}\/[^"]+)"/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from === to) continue;
      arrows.set(from, (arrows.get(from) ?? new Set()).add(to));
      importers.set(target, [...(importers.get(target) ?? []), file]);
    }
  }

  it("no folder imports a folder that imports it back, however far round", () => {
    const cycles: string[] = [];
    const visit = (folder: string, trail: string[]) => {
      for (const next of arrows.get(folder) ?? []) {
        if (next === trail[0]) cycles.push([...trail, next].join(" → "));
        else if (!trail.includes(next)) visit(next, [...trail, next]);
      }
    };
    for (const folder of arrows.keys()) visit(folder, [folder]);
    expect(cycles).toEqual([]);
  });

  it("scripts/ holds the npm run commands only: each is one, and nothing imports them", async () => {
    const pkg = JSON.parse(await read("package.json")) as { scripts: Record<string, string> };
    const commands = Object.values(pkg.scripts).join("\n");
    const scripts = tracked.filter((file) => folderOf(file) === "scripts");
    expect(scripts.filter((file) => !commands.includes(file))).toEqual([]);
    expect(scripts.flatMap((file) => importers.get(file) ?? [])).toEqual([]);
  });

  it("the deployed core imports nothing from the tooling around it", () => {
    const outward = [...(arrows.get("src") ?? [])].filter((folder) => folder !== "node_modules");
    expect(outward).toEqual([]);
    expect([...(arrows.get("netlify") ?? [])]).toEqual(["src"]);
  });

  it("every project path the docs and configuration name exists", async () => {
    const documents = ["README.md", "CONTRIBUTING.md", "package.json", "netlify.toml", ".ci/run", "vitest.config.ts"];
    const docs = execFileSync("git", ["ls-files", "docs"], { cwd: projectRoot, encoding: "utf8" });
    const named = new Set<string>();
    for (const document of [...documents, ...docs.split("\n").filter((file) => file.endsWith(".md"))]) {
      const text = await read(document);
      for (const [file = ""] of text.matchAll(
        /\b(?:scripts|tools|admin|bench|preview|simulator|src|test|netlify|pages)\/[\w./-]+\.(?:ts|mts|mjs|sql)\b/g,
      )) {
        named.add(file);
      }
    }
    const { access } = await import("node:fs/promises");
    const missing: string[] = [];
    for (const file of named) {
      await access(path.join(projectRoot, file)).catch(() => missing.push(file));
    }
    expect(missing).toEqual([]);
  });
});

describe("the console's pages", () => {
  it("share one head and header: the two HTML files differ only in their title, script and current link", async () => {
    const [lookup, health] = await Promise.all(
      ["public/console/index.html", "public/console/health/index.html"].map(async (file) =>
        (await read(file))
          .replace(/<title>[^<]*<\/title>/, "<title></title>")
          .replace(/src="\/console\/\w+\.js"/, 'src=""')
          .replace(' aria-current="page"', ""),
      ),
    );
    expect(health).toBe(lookup);
  });
});
