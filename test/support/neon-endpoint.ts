import { type PGlite, protocol } from "@electric-sql/pglite";
import { HttpResponse, http } from "msw";

/**
 * A stand-in for Neon's SQL-over-HTTP endpoint, the one Netlify Database answers the functions'
 * HTTP driver (`neon()` of @neondatabase/serverless) with, served by msw over a PGlite database:
 * the production driver then runs our statements on a real engine, in this process.
 *
 * What it reproduces, from the endpoint's side of the driver's protocol:
 * - the request: a POST of `{ query, params }` to `https://api.<host without its first label>/sql`,
 *   with the headers `Neon-Connection-String` (the connection string, naming this host),
 *   `Neon-Raw-Text-Output: true` and `Neon-Array-Mode: true`; anything else is refused;
 * - the parameters: JSON values made Postgres text as Neon does (null stays NULL, a string as is,
 *   numbers, booleans and objects as their JSON, an array as a Postgres array literal), bound as
 *   text of types the server infers (Parse without types, then Bind, Describe, Execute, Sync);
 * - the answer (200): `fields` as Postgres describes them (name, dataTypeID, tableID, columnID,
 *   dataTypeSize, dataTypeModifier, format "text"), `rows` as arrays of Postgres' text or null,
 *   `command` and `rowCount` from the command tag (null when the tag has no count), `rowAsArray`;
 * - a statement that fails (400): `{ message, code, detail, hint, position, internalPosition,
 *   internalQuery, severity, where, table, column, schema, dataType, constraint, file, line,
 *   routine }`, each null when Postgres did not say it; and a body Neon cannot parse (a string with
 *   half a surrogate pair, which JavaScript writes and Neon's JSON parser refuses) as 400 too.
 *
 * What it does not: Neon's network, TLS and authentication (the password is not checked),
 * a compute that resumes from sleep, connection pooling, batches (`{ queries }`, which the hook
 * never sends) and the cancellation of a statement whose request was aborted (here it runs on).
 */

/** Neon's answer to one statement: its HTTP status and JSON body. */
export interface NeonAnswer {
  status: 200 | 400;
  body: Record<string, unknown>;
}

/** Runs one statement as the endpoint would on the database; faults are the caller's. */
export type NeonStatement = (query: string, params: (string | null)[]) => Promise<Response>;

/** The endpoint's address for a connection string, as the driver derives it. */
export function neonEndpointOf(connectionString: string): string {
  return `https://${new URL(connectionString).hostname.replace(/^[^.]+\./, "api.")}/sql`;
}

/** An msw handler answering the driver for `connectionString`'s host, each statement by `run`. */
export function neonSqlEndpoint(connectionString: string, run: NeonStatement) {
  const host = new URL(connectionString).hostname;
  return http.post(neonEndpointOf(connectionString), async ({ request }) => {
    const named = request.headers.get("Neon-Connection-String");
    if (named === null || !URL.canParse(named) || new URL(named).hostname !== host) {
      return HttpResponse.json({ message: "missing or foreign Neon-Connection-String" }, { status: 400 });
    }
    // The driver always asks for raw text in array mode: the only output this stand-in gives.
    if (request.headers.get("Neon-Raw-Text-Output") !== "true" || request.headers.get("Neon-Array-Mode") !== "true") {
      return HttpResponse.json({ message: "the stand-in answers raw text in array mode only" }, { status: 400 });
    }
    const payload = (await request.json()) as { query?: unknown; params?: unknown };
    if (typeof payload.query !== "string" || !Array.isArray(payload.params ?? [])) {
      return HttpResponse.json({ message: "a single { query, params } statement is expected" }, { status: 400 });
    }
    // Neon's JSON parser (serde_json) refuses a string with half a surrogate pair (`"\ud800"`, valid
    // JSON, not Unicode), and with it the whole statement; JavaScript's accepts it.
    if (!wellFormed(payload)) {
      return neonResponse({ status: 400, body: errorBody({ message: unpairedSurrogate }) });
    }
    return run(payload.query, ((payload.params ?? []) as unknown[]).map(postgresText));
  });
}

/** One statement on `pglite`, answered as Neon's endpoint answers it. */
export async function neonAnswer(pglite: PGlite, query: string, params: (string | null)[]): Promise<NeonAnswer> {
  const { serialize } = protocol;
  const { messages } = await pglite.runExclusive(() =>
    pglite.execProtocol(
      concat([
        serialize.parse({ text: query, types: [] }),
        serialize.bind({ values: params }),
        serialize.describe({ type: "P" }),
        serialize.execute({}),
        serialize.sync(),
      ]),
      { throwOnError: false },
    ),
  );
  const failure = messages.find((message) => message instanceof protocol.messages.DatabaseError);
  if (failure !== undefined) return { status: 400, body: errorBody(failure) };
  const fields = messages.find((message) => message instanceof protocol.messages.RowDescriptionMessage)?.fields ?? [];
  const rows = messages
    .filter((message) => message instanceof protocol.messages.DataRowMessage)
    .map((row) => row.fields);
  const tag = messages.find((message) => message instanceof protocol.messages.CommandCompleteMessage)?.text ?? "";
  const [command, count] = commandOf(tag);
  return {
    status: 200,
    body: {
      rowAsArray: true,
      fields: fields.map(({ name, dataTypeID, tableID, columnID, dataTypeSize, dataTypeModifier }) => ({
        name,
        dataTypeID,
        tableID,
        columnID,
        dataTypeSize,
        dataTypeModifier,
        format: "text",
      })),
      rows,
      command,
      rowCount: count,
    },
  };
}

/** `INSERT 0 3` → INSERT, 3 (its first number is an oid); `UPDATE 2` → UPDATE, 2; `BEGIN` → BEGIN, null. */
function commandOf(tag: string): [string, number | null] {
  const [command = "", ...numbers] = tag.split(" ");
  const count = Number(numbers.at(-1));
  return [command, numbers.length === 0 || !Number.isInteger(count) ? null : count];
}

const unpairedSurrogate = "could not parse the HTTP request body: lone leading surrogate in hex escape";

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether every string of a JSON value is Unicode (no half of a surrogate pair). */
function wellFormed(value: unknown): boolean {
  if (typeof value === "string") return !loneSurrogate.test(value);
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value !== null && typeof value === "object") return Object.values(value).every(wellFormed);
  return true;
}

/** Neon's error body: Postgres' fields of the error, null where it said none (and no code when Postgres did not fail). */
function errorBody(error: Partial<InstanceType<typeof protocol.messages.DatabaseError>>): Record<string, unknown> {
  return {
    message: error.message ?? "",
    code: error.code ?? "",
    detail: error.detail ?? null,
    hint: error.hint ?? null,
    position: error.position ?? null,
    internalPosition: error.internalPosition ?? null,
    internalQuery: error.internalQuery ?? null,
    severity: error.severity ?? null,
    where: error.where ?? null,
    table: error.table ?? null,
    column: error.column ?? null,
    schema: error.schema ?? null,
    dataType: error.dataType ?? null,
    constraint: error.constraint ?? null,
    file: error.file ?? null,
    line: error.line ?? null,
    routine: error.routine ?? null,
  };
}

/** A JSON parameter as Neon binds it: Postgres text, or NULL. */
function postgresText(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return arrayText(value);
  return JSON.stringify(value);
}

/** A JSON array as a Postgres array literal: strings quoted and escaped, objects as quoted JSON, null as NULL. */
function arrayText(values: unknown[]): string {
  const element = (value: unknown): string => {
    if (value === null) return "NULL";
    if (Array.isArray(value)) return arrayText(value);
    const text = typeof value === "object" ? JSON.stringify(value) : value;
    return typeof text === "string" ? JSON.stringify(text) : String(text);
  };
  return `{${values.map(element).join(",")}}`;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** Neon's answer as the HTTP response the driver reads. */
export function neonResponse({ status, body }: NeonAnswer): Response {
  return HttpResponse.json(body, { status });
}
