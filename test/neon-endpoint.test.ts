import { NeonDbError, neon } from "@neondatabase/serverless";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { connectDatabase } from "../src/storage/database.ts";
import { neonConnectionString, useDatabase } from "./support/database.ts";
import { server } from "./support/msw-server.ts";
import { neonEndpointOf } from "./support/neon-endpoint.ts";

/**
 * The stand-in for Neon's SQL-over-HTTP endpoint (support/neon-endpoint.ts) answers as Neon does:
 * Neon's own driver, unchanged, reads its answers. The storage suites then run through the
 * production client on it (`useDatabase({ access: "neon-http" })`).
 */
const db = useDatabase({ access: "neon-http" });
const bound = { timeoutMs: 5_000 };
/** Neon's driver itself, asked for everything it parsed (fields, command, rowCount). */
const driver = neon(neonConnectionString, { fullResults: true });

/** An empty table of this session's own, for statements the hook's tables do not allow. */
async function scratch() {
  await db.sql("CREATE TEMP TABLE IF NOT EXISTS scratch (id int PRIMARY KEY, note text)");
  await db.sql("DELETE FROM scratch");
}

describe("the stand-in for Neon's endpoint, read by Neon's driver", () => {
  it("answers with Neon's fields (type ids) and raw-text rows, which the driver parses by type", async () => {
    const result = await driver.query(
      "SELECT 1::int AS int4, 9007199254740993::int8 AS int8, 1.50::numeric AS numeric, true AS bool, 'x'::text AS text, " +
        "NULL::text AS nothing, '{\"a\":[1,null]}'::jsonb AS jsonb, '2026-01-05T10:00:00.200Z'::timestamptz AS at, " +
        "ARRAY[1,2]::int[] AS ints, ARRAY['a b','\"q\"',NULL]::text[] AS texts",
    );
    expect(result.fields.map(({ name, dataTypeID }) => [name, dataTypeID])).toEqual([
      ["int4", 23],
      ["int8", 20],
      ["numeric", 1700],
      ["bool", 16],
      ["text", 25],
      ["nothing", 25],
      ["jsonb", 3802],
      ["at", 1184],
      ["ints", 1007],
      ["texts", 1009],
    ]);
    expect(result.fields[0]).toMatchObject({
      tableID: 0,
      columnID: 0,
      dataTypeSize: 4,
      dataTypeModifier: -1,
      format: "text",
    });
    // As from Neon: 64-bit integers and numerics stay text, timestamps become Dates, arrays and JSON are parsed.
    expect(result.rows).toEqual([
      {
        int4: 1,
        int8: "9007199254740993",
        numeric: "1.50",
        bool: true,
        text: "x",
        nothing: null,
        jsonb: { a: [1, null] },
        at: new Date("2026-01-05T10:00:00.200Z"),
        ints: [1, 2],
        texts: ["a b", '"q"', null],
      },
    ]);
    expect([result.command, result.rowCount]).toEqual(["SELECT", 1]);
  });

  it("binds the driver's parameters as text of the types Postgres infers: numbers, booleans, NULL, arrays, JSON, dates", async () => {
    const [row] = await connectDatabase({ url: neonConnectionString, driver: "serverless" }).query(
      "SELECT $1::int + 1 AS next, $2::boolean AS flag, $3::text IS NULL AS missing, $4::int[] AS ints, " +
        "$5::text[] AS texts, $6::jsonb -> 'a' AS picked, $7::timestamptz = '2026-01-05T10:00:00Z' AS same, $8 AS untyped",
      [41, false, null, [3, 4], ['a,"b"', "c\\d"], { a: "it's" }, new Date("2026-01-05T10:00:00Z"), "as sent"],
      bound,
    );
    expect(row).toEqual({
      next: 42,
      flag: false,
      missing: true,
      ints: [3, 4],
      texts: ['a,"b"', "c\\d"],
      picked: "it's",
      same: true,
      untyped: "as sent",
    });
  });

  it("says what each statement did: command and rowCount, and the rows of RETURNING", async () => {
    await scratch();
    const inserted = await driver.query("INSERT INTO scratch VALUES (1, 'a'), (2, NULL) RETURNING id, note");
    expect([inserted.command, inserted.rowCount, inserted.rows]).toEqual([
      "INSERT",
      2,
      [
        { id: 1, note: "a" },
        { id: 2, note: null },
      ],
    ]);
    const updated = await driver.query("UPDATE scratch SET note = $1 WHERE id > $2", ["b", 0]);
    expect([updated.command, updated.rowCount, updated.rows, updated.fields]).toEqual(["UPDATE", 2, [], []]);
  });

  it("fails a statement as Neon does (HTTP 400, Postgres' fields), and the driver throws NeonDbError with its code", async () => {
    await scratch();
    await db.sql("INSERT INTO scratch VALUES (7, 'kept')");
    const database = connectDatabase({ url: neonConnectionString, driver: "serverless" });
    const duplicate = await database.query("INSERT INTO scratch VALUES ($1, 'again')", [7], bound).catch((e) => e);
    expect(duplicate).toBeInstanceOf(NeonDbError);
    expect(duplicate).toMatchObject({ code: "23505", constraint: "scratch_pkey", severity: "ERROR" });
    expect(duplicate.message).toBe('duplicate key value violates unique constraint "scratch_pkey"');
    const syntax = await database.query("SELEC 1", [], bound).catch((e) => e);
    expect(syntax).toMatchObject({ name: "NeonDbError", code: "42601", position: "1" });
    // The statement's failure leaves the database usable for the next one.
    expect(await database.query("SELECT count(*)::int AS n FROM scratch", [], bound)).toEqual([{ n: 1 }]);
  });

  it("refuses, as Neon does, a statement whose parameter has half a surrogate pair (JSON, but not Unicode)", async () => {
    const refused = await connectDatabase({ url: neonConnectionString, driver: "serverless" })
      .query("SELECT $1::text AS id", ["a\ud800b"], bound)
      .catch((e) => e);
    expect(refused).toBeInstanceOf(NeonDbError);
    expect(refused.message).toMatch(/^could not parse the HTTP request body/);
  });

  it("refuses what the driver never sends: another host, or an answer not in raw text and arrays", async () => {
    const endpoint = neonEndpointOf(neonConnectionString);
    const post = (headers: Record<string, string>) =>
      fetch(endpoint, { method: "POST", headers, body: JSON.stringify({ query: "SELECT 1", params: [] }) });
    const foreign = await post({
      "Neon-Connection-String": "postgresql://hook:x@ep-other.database.example.test/netlifydb",
      "Neon-Raw-Text-Output": "true",
      "Neon-Array-Mode": "true",
    });
    expect(foreign.status).toBe(400);
    const parsed = await post({ "Neon-Connection-String": neonConnectionString });
    expect(parsed.status).toBe(400);
  });

  it("an endpoint that cannot be reached is a NeonDbError for the client, as on Netlify when the network fails", async () => {
    server.use(http.post(neonEndpointOf(neonConnectionString), () => HttpResponse.error()));
    const failed = await connectDatabase({ url: neonConnectionString, driver: "serverless" })
      .query("SELECT 1", [], bound)
      .catch((e) => e);
    expect(failed).toBeInstanceOf(NeonDbError);
    expect(failed.message).toMatch(/^Error connecting to database/);
  });
});
