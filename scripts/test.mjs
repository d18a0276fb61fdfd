// @ts-check
/**
 * `npm test`: the type check, the lint and the in-process tests, run side by side (the tests
 * spend much of their time waiting, which leaves room for the other two). The tests print as they
 * run; the type check's and the lint's output follow, each in one block, then which of the three
 * failed. Arguments go to vitest (`npm test -- test/config.test.ts`). Plain JavaScript: it starts
 * without a compiler.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { projectRoot } from "../tools/project-root.mjs";

/** @param {string} name a binary of node_modules/.bin */
const bin = (name) => path.join(projectRoot, "node_modules", ".bin", name);

/**
 * Runs a command; its output is kept (stdout and stderr, in the order they came) unless `live`.
 * @param {string} label
 * @param {string} command
 * @param {string[]} args
 * @param {{ live?: boolean }} [options]
 * @returns {Promise<{ label: string; ok: boolean; output: string }>}
 */
function run(label, command, args, { live = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: projectRoot, stdio: live ? "inherit" : ["ignore", "pipe", "pipe"] });
    /** @type {Buffer[]} */
    const output = [];
    child.stdout?.on("data", (chunk) => output.push(chunk));
    child.stderr?.on("data", (chunk) => output.push(chunk));
    child.on("error", (error) => resolve({ label, ok: false, output: `${command}: ${error.message}\n` }));
    child.on("close", (code) => resolve({ label, ok: code === 0, output: Buffer.concat(output).toString() }));
  });
}

const results = await Promise.all([
  run("unit tests", bin("vitest"), ["run", "--project", "unit", ...process.argv.slice(2)], { live: true }),
  run("typecheck", bin("tsc"), []),
  run("lint", bin("biome"), ["check", "."]),
]);

for (const { label, ok, output } of results.slice(1)) {
  if (output.trim() === "") continue;
  process.stdout.write(`\n${label}${ok ? "" : " failed"}:\n${output}`);
}
const failed = results.filter(({ ok }) => !ok).map(({ label }) => label);
if (failed.length > 0) {
  console.error(`\nnpm test failed: ${failed.join(", ")}`);
  process.exit(1);
}
