// @ts-check
/**
 * `npm run build`: the functions bundled into dist/functions and the console pages' scripts into
 * public/console (see tools/build.mjs). Plain JavaScript: Netlify's build runs it without the dev
 * toolchain.
 */
import path from "node:path";
import { buildFunctions, buildPages, builtFunctions, consolePages } from "../tools/build.mjs";
import { projectRoot } from "../tools/project-root.mjs";

const built = await buildFunctions();
console.log(`built ${built.join(", ")} into ${path.relative(projectRoot, builtFunctions)}`);
const pages = await buildPages();
const sizes = Object.entries(pages).map(([file, bytes]) => `${file} (${(bytes / 1024).toFixed(1)} KB)`);
console.log(`built the console's scripts ${sizes.join(", ")} into ${path.relative(projectRoot, consolePages)}`);
