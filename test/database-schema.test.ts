import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { getCountries } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { describe, expect, it } from "vitest";
import { internationalCountry, numberFacts } from "../src/fraud/numbering.ts";
import { migrationsDirectory } from "../tools/local-database.ts";
import { useDatabase } from "./support/database.ts";

const { sql } = useDatabase();

describe("the migrated schema", () => {
  it("documents every table in a comment: what it holds and how long", async () => {
    const tables = await sql<{ name: string; comment: string | null }>(
      "SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c " +
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
    );
    expect(tables.map(({ name }) => name)).toEqual([
      "delivery_statuses",
      "event_claims",
      "fraud_counters",
      "health_errors",
      "health_hours",
      "health_outcomes",
      "health_timings",
      "okta_requests",
      "risk_scores",
    ]);
    for (const { name, comment } of tables) {
      expect(comment, name).toMatch(/Kept|Deleted/);
    }
  });

  it("documents every column in a comment", async () => {
    const undocumented = await sql<{ column: string }>(
      "SELECT c.relname || '.' || a.attname AS column FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid " +
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' " +
        "AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL ORDER BY 1",
    );
    expect(undocumented.map(({ column }) => column)).toEqual([]);
  });

  it("has the indexes the lookups by event, reference, Okta user, login, phone hash and time use", async () => {
    const indexes = await sql<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'");
    expect(indexes.map(({ name }) => name)).toEqual(
      expect.arrayContaining([
        "okta_requests_received_at",
        "okta_requests_event_id",
        "okta_requests_reference_id",
        "okta_requests_okta_user_id",
        "okta_requests_okta_login",
        "okta_requests_phone_hash",
        "delivery_statuses_recorded_at",
        "delivery_statuses_event_id",
        "event_claims_expires_at",
      ]),
    );
  });

  it("is applied from the same files Netlify applies at deploy, each once and in name order", async () => {
    const files = (await readdir(migrationsDirectory)).sort();
    const applied = await sql<{ name: string }>("SELECT name FROM netlify.migrations ORDER BY name");
    expect(applied.map(({ name }) => name)).toEqual(files.map((file) => file.replace(/\.sql$/, "")));
    for (const file of files) {
      const text = await readFile(path.join(migrationsDirectory, file, "migration.sql"), "utf8").catch(() =>
        readFile(path.join(migrationsDirectory, file), "utf8"),
      );
      expect(text).not.toMatch(/^\s*(BEGIN|COMMIT)\b/im); // Netlify runs each migration in its own transaction
    }
  });

  it("holds every destination country the numbering plan can give, INTL included: no request's record is refused", async () => {
    // What numberFacts can say: a country of the plan's metadata, or INTL for a number of no country.
    const countries = [...getCountries(), internationalCountry];
    const given = [
      ...getCountries().map((country) => numberFacts(examples[country].replace(/^\+/, "")).country),
      ...["800", "808", "870", "878", "881", "882", "883", "888", "979"].map(
        (code) => numberFacts(`${code}12345678`).country,
      ),
    ];
    expect(countries).toEqual(expect.arrayContaining(given.filter((country) => country !== undefined)));
    expect(given).toContain(internationalCountry);
    const insert = (values: string[]) =>
      sql(
        "INSERT INTO okta_requests (received_at, outcome, duration_ms, destination_country) " +
          "SELECT now(), 'blocked', 0, unnest($1::text[])",
        [values],
      );
    await insert(countries);
    expect(await sql("SELECT count(*)::int AS stored FROM okta_requests")).toEqual([{ stored: countries.length }]);
    // The check still checks: what no numbering plan gives is refused.
    for (const value of ["intl", "GBR", "G", "INTL2", ""]) {
      await expect(insert([value]), value).rejects.toThrow(/okta_requests_destination_country_check/);
    }
  });

  it("is named, table by table, where the data model page says what the retention sweep deletes", async () => {
    const page = await readFile(path.join(import.meta.dirname, "../docs/data-model.md"), "utf8");
    const sweep = page.slice(
      page.indexOf("transaction-retention"),
      page.indexOf("```", page.indexOf("transaction-retention")),
    );
    const tables = await sql<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.filter(({ name }) => !sweep.includes(name))).toEqual([]);
  });
});
