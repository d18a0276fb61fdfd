import { delay, HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { connectDatabase, DatabaseNotConfigured } from "../src/storage/database.ts";
import { DeadlineExceeded } from "../src/support/deadline.ts";
import { server } from "./support/msw-server.ts";
import { markSensitive } from "./support/sensitive.ts";

/** Netlify Database on Netlify: Neon's HTTP driver, each statement one HTTPS request (msw answers as Neon's endpoint). */
const password = "not-a-real-password";
markSensitive(password); // the connection string's password never reaches a log line
const url = `postgres://hook:${password}@db.example.test/neondb`;
/** Neon's endpoint for the host: its first label becomes `api`. */
const endpoint = "https://api.example.test/sql";

describe("the database client on Netlify (serverless driver)", () => {
  it("sends one statement with its parameters, never spliced into the text, and reads the rows", async () => {
    const received: unknown[] = [];
    server.use(
      http.post(endpoint, async ({ request }) => {
        received.push(await request.json());
        // Neon answers in raw text, a row as an array; the driver parses by type (16: boolean).
        return HttpResponse.json({
          command: "SELECT",
          rowCount: 1,
          rows: [["t"]],
          fields: [{ name: "known", dataTypeID: 16 }],
        });
      }),
    );
    const database = connectDatabase({ url, driver: "serverless" });
    const hostile = "'; DROP TABLE okta_requests; --";
    const rows = await database.query("SELECT $1::text = $1::text AS known", [hostile], { timeoutMs: 2_000 });
    expect(rows).toEqual([{ known: true }]);
    expect(received).toEqual([{ query: "SELECT $1::text = $1::text AS known", params: [hostile] }]);
  });

  it("gives up on a statement at its bound and aborts the request (a database that hangs)", async () => {
    let aborted = false;
    server.use(
      http.post(endpoint, async ({ request }) => {
        request.signal.addEventListener("abort", () => {
          aborted = true;
        });
        await delay("infinite");
        return HttpResponse.json({});
      }),
    );
    const database = connectDatabase({ url, driver: "serverless" });
    await expect(database.query("SELECT 1", [], { timeoutMs: 50 })).rejects.toThrow(DeadlineExceeded);
    await expect.poll(() => aborted).toBe(true);
  });

  it("without NETLIFY_DB_URL, fails every statement at once, saying what is missing", async () => {
    await expect(connectDatabase(undefined).query("SELECT 1", [], { timeoutMs: 1_000 })).rejects.toThrow(
      DatabaseNotConfigured,
    );
  });
});
