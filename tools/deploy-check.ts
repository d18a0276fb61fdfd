/**
 * What `npm run deploy:check` does: the deploy as Netlify performs it, on this machine. In a fresh clone of
 * the committed tree it installs as Netlify's build does (`npm install $NPM_FLAGS`, from
 * netlify.toml as Netlify's own config reader resolves it), runs the build command, and has
 * Netlify's bundler (zip-it-and-ship-it) package the functions. It fails if a function is
 * missing, is not a v2 function, lost its schedule, or imports anything its zip does not hold,
 * and if the committed database migrations are missing, misnamed (Netlify would skip them) or do
 * not apply cleanly, in order, to an empty database (Netlify's local engine).
 */
import { execFile as execFileCallback } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { resolveConfig } from "@netlify/config";
import { zipFunctions } from "@netlify/zip-it-and-ship-it";
import { build } from "esbuild";
import { messageOf } from "../src/support/error-text.ts";
import { exitCodes, fail, parseCommandLine } from "./command-line.ts";
import { projectRoot } from "./project-root.mjs";

const usage = `Usage: npm run deploy:check -- [options]

Clones the committed tree into a temporary folder, installs and builds it as Netlify's build
does, and packages the functions with Netlify's bundler. Exit code 0 when the deploy is sound,
1 when it is not, 2 on a usage error. Uncommitted changes are not checked.

Options:
  --json    print the report as one JSON object
  --keep    keep the temporary clone (its path is printed)
  --help    this text`;

/** What Netlify's build may install and take, at most (issue targets; time is reported, never failed on). */
const targets = { packages: 60, megabytes: 50, seconds: 15 };

interface Options {
  json: boolean;
  keep: boolean;
}

const execFile = promisify(execFileCallback);

interface Installed {
  packages: number;
  /** The size of the files: what the target is about. */
  bytes: number;
  /** The disk their blocks take, for the record. */
  diskBytes: number;
}

interface Report {
  commit: string;
  nodeVersionOnNetlify: string | undefined;
  npmFlags: string;
  install: Installed & { seconds: number };
  build: { command: string; seconds: number };
  functions: FunctionReport[];
  migrations: MigrationsReport;
  targets: typeof targets;
  problems: string[];
}

interface MigrationsReport {
  directory: string;
  /** The migrations Netlify applies, in its order. */
  names: string[];
  /** Those that applied to an empty database. */
  applied: string[];
  seconds: number;
  problems: string[];
}

interface FunctionReport {
  name: string;
  runtimeAPIVersion: number | undefined;
  schedule: string | undefined;
  zippedBytes: number;
  problems: string[];
}

/** The command: reads its options from the command line and exits with the verdict. */
export async function runDeployCheck(): Promise<never> {
  const options = parseCommandLine(
    usage,
    { json: { type: "boolean", default: false }, keep: { type: "boolean", default: false } },
    (values) => ({ json: values.json === true, keep: values.keep === true }),
  );
  try {
    process.exit(await check(options));
  } catch (error) {
    fail(`deploy check could not run: ${messageOf(error)}`);
  }
}

async function check(options: Options): Promise<number> {
  const progress = (line: string) => {
    if (!options.json) console.error(line);
  };
  const clone = await mkdtemp(path.join(tmpdir(), "deploy-check-"));
  try {
    const commit = (await execFile("git", ["rev-parse", "--short", "HEAD"], { cwd: projectRoot })).stdout.trim();
    progress(`cloning ${commit} into ${clone}…`);
    await execFile("git", ["clone", "--quiet", "--no-hardlinks", projectRoot, clone]);

    const { config } = await resolveConfig({ repositoryRoot: clone, cwd: clone, offline: true, mode: "cli" });
    const environment: Record<string, string> = config.build.environment ?? {};
    const npmFlags = (environment.NPM_FLAGS ?? "").split(/\s+/).filter(Boolean);
    const buildCommand: string = config.build.command ?? "";
    const functionsDirectory: string = config.functionsDirectory ?? "";

    progress(`installing: npm install ${npmFlags.join(" ")}…`);
    const installSeconds = await timed(() =>
      execFile("npm", ["install", ...npmFlags, "--no-audit", "--no-fund"], { cwd: clone, env: buildEnv(environment) }),
    );
    const installed = await installedPackages(path.join(clone, "node_modules"));

    progress(`building: ${buildCommand}…`);
    const buildSeconds = await timed(() =>
      execFile("sh", ["-c", buildCommand], { cwd: clone, env: buildEnv(environment) }),
    );

    progress("packaging the functions with Netlify's bundler…");
    const functions = await packageFunctions(clone, functionsDirectory, config.functions ?? {});

    progress("applying the database migrations to an empty database…");
    const migrations = await checkMigrations(clone);

    const report: Report = {
      commit,
      nodeVersionOnNetlify: environment.NODE_VERSION,
      npmFlags: npmFlags.join(" "),
      install: { ...installed, seconds: installSeconds },
      build: { command: buildCommand, seconds: buildSeconds },
      functions,
      migrations,
      targets,
      problems: [
        ...functions.flatMap((fn) => fn.problems.map((problem) => `${fn.name}: ${problem}`)),
        ...migrations.problems.map((problem) => `migrations: ${problem}`),
        ...(installed.packages > targets.packages
          ? [`${installed.packages} packages installed (at most ${targets.packages})`]
          : []),
        ...(installed.bytes > targets.megabytes * 1e6
          ? [`node_modules holds ${megabytes(installed.bytes)} MB (at most ${targets.megabytes})`]
          : []),
      ],
    };
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else print(report);
    if (options.keep) progress(`kept ${clone}`);
    return report.problems.length === 0 ? exitCodes.done : exitCodes.failed;
  } finally {
    if (!options.keep) await rm(clone, { recursive: true, force: true });
  }
}

/** The build's environment: this one with netlify.toml's [build.environment] laid over it, as on Netlify. */
function buildEnv(environment: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...environment, NETLIFY_TELEMETRY_DISABLED: "1" };
}

async function timed(step: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await step();
  return Number(((performance.now() - started) / 1000).toFixed(1));
}

/**
 * Packages in a node_modules tree (every folder with a package.json at a package's root), the
 * bytes of their files (the size the target is about), and the disk they take (blocks, for the record).
 */
async function installedPackages(nodeModules: string): Promise<Installed> {
  let packages = 0;
  let bytes = 0;
  let diskBytes = 0;
  for (const entry of await readdir(nodeModules, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = await stat(path.join(entry.parentPath, entry.name));
    bytes += file.size;
    diskBytes += file.blocks * 512;
    if (entry.name === "package.json" && isPackageRoot(path.relative(nodeModules, entry.parentPath))) packages++;
  }
  return { packages, bytes, diskBytes };
}

/** `zod`, `@netlify/database`, `a/node_modules/b`: a package's own folder, not one inside it. */
function isPackageRoot(relative: string): boolean {
  const parts = relative.split(path.sep);
  const last = parts.lastIndexOf("node_modules");
  const inner = parts.slice(last + 1);
  return inner.length === (inner[0]?.startsWith("@") ? 2 : 1);
}

/** Netlify's bundler on the built functions, as configured; each checked against its source. */
async function packageFunctions(
  clone: string,
  functionsDirectory: string,
  functionsConfig: Record<string, { node_bundler?: string; included_files?: string[] }>,
): Promise<FunctionReport[]> {
  const { node_bundler: nodeBundler, included_files: includedFiles } = functionsConfig["*"] ?? {};
  const zipOptions = {
    basePath: clone,
    repositoryRoot: clone,
    // As Netlify reads netlify.toml's [functions]: included_files are globs from the base directory.
    config: { "*": { nodeBundler: nodeBundler as "none" | undefined, includedFiles, includedFilesBasePath: clone } },
    featureFlags: {},
  };
  const zipped = await zipFunctions(functionsDirectory, path.join(clone, ".deploy", "zip"), zipOptions);
  const unpacked = await zipFunctions(functionsDirectory, path.join(clone, ".deploy", "unpacked"), {
    ...zipOptions,
    archiveFormat: "none",
  });
  const sources = path.join(clone, "netlify", "functions");
  const reports: FunctionReport[] = [];
  for (const file of (await readdir(sources)).filter((name) => name.endsWith(".mts")).sort()) {
    const name = path.basename(file, ".mts");
    const zip = zipped.find((fn) => fn.name === name);
    const folder = unpacked.find((fn) => fn.name === name);
    const expectedSchedule = /schedule:\s*"([^"]+)"/.exec(await readFile(path.join(sources, file), "utf8"))?.[1];
    const problems: string[] = [];
    if (zip === undefined || folder === undefined) {
      reports.push({ name, runtimeAPIVersion: undefined, schedule: undefined, zippedBytes: 0, problems: ["missing"] });
      continue;
    }
    if (zip.runtimeAPIVersion !== 2) problems.push(`runtime API version ${zip.runtimeAPIVersion ?? "1"}, not 2`);
    if (zip.schedule !== expectedSchedule) {
      problems.push(`schedule ${zip.schedule ?? "none"}, but its source says ${expectedSchedule ?? "none"}`);
    }
    problems.push(...(await unresolvedImports(folder.path)));
    reports.push({
      name,
      runtimeAPIVersion: zip.runtimeAPIVersion,
      schedule: zip.schedule,
      zippedBytes: (await stat(zip.path)).size,
      problems,
    });
  }
  return reports;
}

/** The clone's migrations: there, each named as Netlify reads them, applying cleanly to an empty database. */
async function checkMigrations(clone: string): Promise<MigrationsReport> {
  // Netlify's naming of a migration: a number, an underscore, a name; a `.sql` file or a folder holding `migration.sql`.
  const migrationName = /^\d+_.+$/;
  const migrationsFolder = path.join("netlify", "database", "migrations");
  const directory = path.join(clone, migrationsFolder);
  const report: MigrationsReport = { directory: migrationsFolder, names: [], applied: [], seconds: 0, problems: [] };
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => undefined);
  if (entries === undefined) {
    report.problems.push(`${migrationsFolder} is not in the commit: Netlify would create no tables`);
    return report;
  }
  for (const entry of entries) {
    const name = entry.isFile() ? entry.name.replace(/\.sql$/, "") : entry.name;
    const isMigration = entry.isDirectory() || entry.name.endsWith(".sql");
    if (!isMigration || !migrationName.test(name)) {
      report.problems.push(`${entry.name} is not named NUMBER_name(.sql): Netlify would skip it`);
      continue;
    }
    if (
      entry.isDirectory() &&
      !(await stat(path.join(directory, entry.name, "migration.sql")).catch(() => undefined))
    ) {
      report.problems.push(`${entry.name}/ holds no migration.sql`);
      continue;
    }
    report.names.push(name);
  }
  report.names.sort((a, b) => a.localeCompare(b));
  if (report.names.length === 0) report.problems.push(`${migrationsFolder} holds no migration`);
  const started = performance.now();
  try {
    const { startLocalDatabase } = await import("./local-database.ts");
    const database = await startLocalDatabase({ migrations: directory });
    report.applied = database.applied;
    await database.stop();
  } catch (error) {
    report.problems.push(`they do not apply to an empty database: ${messageOf(error)}`);
  }
  report.seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  return report;
}

/**
 * Every import of the packaged function (static or literal dynamic) that its own files cannot satisfy:
 * from Netlify's entry point, and from the function module it names (which it loads by name, not by
 * an import a bundler would follow).
 */
async function unresolvedImports(folder: string): Promise<string[]> {
  const entryPoint = "___netlify-entry-point.mjs";
  const functionModule = /getLambdaHandler\('([^']+)'\)/.exec(
    await readFile(path.join(folder, entryPoint), "utf8"),
  )?.[1];
  try {
    await build({
      entryPoints: [entryPoint, ...(functionModule === undefined ? [] : [functionModule])].map((file) =>
        path.join(folder, file),
      ),
      bundle: true,
      write: false,
      outdir: folder,
      platform: "node",
      format: "esm",
      logLevel: "silent",
      absWorkingDir: folder,
    });
    return functionModule === undefined ? [`${entryPoint} names no function module`] : [];
  } catch (error) {
    const errors = (error as { errors?: { text: string }[] }).errors ?? [{ text: messageOf(error) }];
    return errors.map(({ text }) => `imports what its zip lacks: ${text}`);
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function print(report: Report) {
  const { install } = report;
  const total = Number((install.seconds + report.build.seconds).toFixed(1));
  console.log(`Deploy check of ${report.commit}, as Netlify builds it (Node ${report.nodeVersionOnNetlify ?? "?"} on Netlify; here ${process.version})

  install   npm install ${report.npmFlags}   ${install.packages} packages, ${megabytes(install.bytes)} MB of files (${megabytes(install.diskBytes)} MB on disk), ${install.seconds} s
  build     ${report.build.command}   ${report.build.seconds} s
  total     ${total} s (target under ${targets.seconds} s with a warm npm cache; packages at most ${targets.packages}, size at most ${targets.megabytes} MB)

  functions, as Netlify's bundler packages them:`);
  for (const fn of report.functions) {
    const version = fn.runtimeAPIVersion === undefined ? "—" : `v${fn.runtimeAPIVersion}`;
    const schedule = fn.schedule ?? "";
    console.log(
      `    ${fn.problems.length === 0 ? "✓" : "✗"} ${fn.name.padEnd(24)} ${version.padEnd(4)} ${schedule.padEnd(9)} ${(fn.zippedBytes / 1000).toFixed(0).padStart(5)} KB zipped`,
    );
  }
  const { migrations } = report;
  console.log(
    `\n  database migrations (${migrations.directory}), applied to an empty database in ${migrations.seconds} s:`,
  );
  for (const name of migrations.names) console.log(`    ${migrations.applied.includes(name) ? "✓" : "✗"} ${name}`);
  console.log(
    report.problems.length === 0
      ? "\nThe deploy is sound: every function is there, v2, with its schedule, importing only what its zip holds; every migration applies."
      : `\n${report.problems.map((problem) => `✗ ${problem}`).join("\n")}`,
  );
}
