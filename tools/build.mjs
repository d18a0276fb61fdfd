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
 * The folder of `output` that holds the code the functions share or load only when needed (chunks).
 * Netlify does not take it for a function (it holds no `index` or same-named file) and
 * netlify.toml's `included_files` puts it in every function's zip.
 */
export const chunksFolder = "_chunks";

/**
 * Bundles every `.mts` function of `sources` into `output` (by default, the site's own).
 * @param {string} [sources]
 * @param {string} [output]
 * @returns {Promise<string[]>} the functions' names
 */
export async function buildFunctions(sources, output) {
  return (await bundleFunctions(sources, output)).map(({ name }) => name);
}

/**
 * The build itself: each function's name, with esbuild's account of its bundle (its metafile:
 * which sources went into which file, and which file imports which).
 * @param {string} [sources]
 * @param {string} [output]
 * @returns {Promise<{ name: string, metafile: import("esbuild").Metafile }[]>}
 */
export async function bundleFunctions(
  sources = path.join(projectRoot, "netlify", "functions"),
  output = builtFunctions,
) {
  const entryPoints = (await readdir(sources))
    .filter((file) => file.endsWith(".mts"))
    .map((file) => path.join(sources, file));
  await rm(output, { recursive: true, force: true });
  const built = [];
  // One function at a time: a function's bundle holds all it loads at start, none of it shared
  // with another's (one file to load, not a chain of shared chunks). Chunks are named by their
  // content, so two functions' identical chunks are one file.
  for (const entry of entryPoints) {
    const { metafile } = await build({
      entryPoints: [entry],
      outdir: output,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      // Each dynamic import becomes a chunk, loaded when the code runs it, not with the function:
      // node-postgres (local runs only) and jose (OAuth mode only) are not even parsed by a cold
      // start that does not need them.
      splitting: true,
      chunkNames: `${chunksFolder}/[name]-[hash]`,
      metafile: true,
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
    built.push({ name: path.basename(entry, ".mts"), metafile });
  }
  return built;
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
