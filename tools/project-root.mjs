// @ts-check
// Plain JavaScript: the build (which runs without the dev toolchain) needs it too.
import path from "node:path";

/** The repository's root folder, whichever tool asks. */
export const projectRoot = path.resolve(import.meta.dirname, "..");
