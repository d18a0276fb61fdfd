/**
 * `npm run audit`: npm audit of the runtime dependencies, failing at high severity. A registry
 * that does not serve npm's audit endpoint is reported, not mistaken for a clean result.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const { stdout } = await promisify(execFile)("npm", ["audit", "--omit=dev", "--json"], {
  maxBuffer: 16 * 1024 * 1024,
}).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));

let report: { metadata?: { vulnerabilities?: Record<string, number> }; message?: string; statusCode?: number };
try {
  report = JSON.parse(stdout);
} catch {
  console.log("npm audit: no report (could not read its output); not checked.");
  process.exit(0);
}
const vulnerabilities = report.metadata?.vulnerabilities;
if (vulnerabilities === undefined) {
  console.log(
    `npm audit: the registry's audit endpoint did not answer (${report.statusCode ?? report.message ?? "no report"}); not checked.`,
  );
  process.exit(0);
}
const serious = (vulnerabilities.high ?? 0) + (vulnerabilities.critical ?? 0);
console.log(`npm audit (runtime dependencies): ${JSON.stringify(vulnerabilities)}`);
process.exit(serious > 0 ? 1 : 0);
