// @ts-check
/**
 * The build (`npm run build`): each function of netlify/functions bundled by esbuild into
 * dist/functions, its dependencies included and tree-shaken, ready for Netlify as they are
 * (`node_bundler = "none"`). Netlify's own bundler would ship node_modules unbundled, and loading
 * them is most of a cold start. Plain JavaScript on purpose: Netlify's build installs
 * `dependencies` only (netlify.toml: NPM_FLAGS), and this needs nothing but esbuild.
 */
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

import { projectRoot } from "./project-root.mjs";

export const builtFunctions = path.join(projectRoot, "dist", "functions");

/**
 * The oldest Node the bundles must run on: package.json's `engines` floor. Netlify runs them on
 * the Node of `.nvmrc` / NODE_VERSION (newer); contributors may run them locally on the floor.
 */
export const nodeTarget = "node20";

/**
 * Bundles every `.mts` function of `sources` into `output` (by default, the site's own).
 * @param {string} [sources]
 * @param {string} [output]
 * @returns {Promise<string[]>} the functions' names
 */
export async function buildFunctions(
  sources = path.join(projectRoot, "netlify", "functions"),
  output = builtFunctions,
) {
  const entryPoints = (await readdir(sources))
    .filter((file) => file.endsWith(".mts"))
    .map((file) => path.join(sources, file));
  await rm(output, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir: output,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: nodeTarget,
    // Whitespace and syntax only: stack traces keep their names.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    logLevel: "warning",
    // node-postgres (the local database driver) is CommonJS and requires Node's own modules: an
    // ES module bundle gives it a `require` to do so.
    banner: {
      js: 'import { createRequire as __hookRequire } from "node:module"; const require = __hookRequire(import.meta.url);',
    },
  });
  return entryPoints.map((entry) => path.basename(entry, ".mts"));
}

/** Where the console's pages are served from, and their scripts' sources. */
export const consolePages = path.join(projectRoot, "public", "console");
const pageScripts = ["lookup", "health"].map((name) => path.join(projectRoot, "pages", `${name}.ts`));

/**
 * Bundles the console pages' scripts into public/console (one small module per page, for
 * browsers of the last few years).
 * @returns {Promise<Record<string, number>>} each script's size in bytes
 */
export async function buildPages() {
  const result = await build({
    entryPoints: pageScripts,
    outdir: consolePages,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  return Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([file, { bytes }]) => [path.basename(file), bytes]),
  );
}
