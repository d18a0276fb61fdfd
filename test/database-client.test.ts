import { createServer, type Server, type Socket } from "node:net";
import { delay, HttpResponse, http } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import {
  connectDatabase,
  connectTimeoutMs,
  DatabaseNotConfigured,
  DatabaseUrlInvalid,
} from "../src/storage/database.ts";
import { DeadlineExceeded } from "../src/support/deadline.ts";
import { errorLineOf } from "../src/support/error-text.ts";
import { onTestTime } from "./support/clock.ts";
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

  it.each(["se/cret", "se?cret", "se#cret"])(
    "a connection string Neon's driver cannot read (password %s) fails every statement without the password in its error",
    async (secret) => {
      markSensitive(secret);
      const requests: unknown[] = [];
      server.use(
        http.post(endpoint, ({ request }) => {
          requests.push(request);
          return HttpResponse.json({});
        }),
      );
      for (const driver of ["serverless", "server"] as const) {
        const database = connectDatabase({ url: `postgres://hook:${secret}@db.example.test/neondb`, driver });
        const error = await database.query("SELECT 1", [], { timeoutMs: 1_000 }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(DatabaseUrlInvalid);
        // Neon's driver says "not a valid URL (connection string: postgres://hook:…)": the whole string.
        expect(errorLineOf(error)).not.toContain(secret);
      }
      expect(requests).toEqual([]);
    },
  );

  it("without NETLIFY_DB_URL, fails every statement at once, saying what is missing", async () => {
    await expect(connectDatabase(undefined).query("SELECT 1", [], { timeoutMs: 1_000 })).rejects.toThrow(
      DatabaseNotConfigured,
    );
  });
});

/**
 * A Postgres wire server on loopback that accepts any startup and then, as told, answers every
 * statement with no rows, or never answers (a statement that hangs), or never answers the
 * startup itself (a connection that hangs).
 */
async function wireServer() {
  const state = { mode: "answer" as "answer" | "hang statements" | "hang connections", connections: 0 };
  const sockets = new Set<Socket>();
  const message = (type: string, body: Buffer = Buffer.alloc(0)) => {
    const header = Buffer.alloc(5);
    header.write(type, 0, "latin1");
    header.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([header, body]);
  };
  const ready = message("Z", Buffer.from("I"));
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    state.connections++;
    const hangs = state.mode;
    let pending = Buffer.alloc(0);
    let started = false;
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (!started) {
          if (pending.length < 4 || pending.length < pending.readInt32BE(0)) return;
          pending = pending.subarray(pending.readInt32BE(0));
          started = true;
          if (hangs === "hang connections") continue;
          socket.write(Buffer.concat([message("R", Buffer.from([0, 0, 0, 0])), ready]));
          continue;
        }
        if (pending.length < 5 || pending.length < 1 + pending.readInt32BE(1)) return;
        const type = String.fromCharCode(pending[0] as number);
        pending = pending.subarray(1 + pending.readInt32BE(1));
        if (type === "X") socket.end();
        if (hangs !== "answer" || state.mode !== "answer") continue;
        const complete = message("C", Buffer.from("SELECT 0\0"));
        if (type === "Q") socket.write(Buffer.concat([complete, ready]));
        if (type === "S") {
          socket.write(Buffer.concat([message("1"), message("2"), message("n"), complete, ready]));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    state,
    url: `postgres://hook@127.0.0.1:${port}/postgres`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("the database client locally (node-postgres, a few pooled connections)", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(() => close?.());

  it("hung statements never exhaust the pool: each connection is dropped at its statement's bound", async () => {
    const wire = await wireServer();
    close = wire.close;
    const database = connectDatabase({ url: wire.url, driver: "server" });
    expect(await database.query("SELECT 1", [], { timeoutMs: 2_000 })).toEqual([]);
    wire.state.mode = "hang statements";
    const hung = Array.from({ length: 6 }, () => database.query("SELECT $1::int", [1], { timeoutMs: 100 }));
    for (const statement of hung) await expect(statement).rejects.toThrow(DeadlineExceeded);
    wire.state.mode = "answer";
    expect(await database.query("SELECT $1::int", [1], { timeoutMs: 2_000 })).toEqual([]);
  });

  // On the test's clock (support/clock.ts): the pool's connect timeouts fire once the four
  // connections hang, and the fresh connection then opens with the clock standing still, however
  // long a busy machine takes, before the next statement's own wait for a connection runs out.
  it("connections that never open never exhaust the pool: each gives up after its connect timeout", async () =>
    onTestTime(async (advance) => {
      const wire = await wireServer();
      close = wire.close;
      const database = connectDatabase({ url: wire.url, driver: "server" });
      wire.state.mode = "hang connections";
      const boundMs = 100;
      const hung = Array.from({ length: 4 }, () => database.query("SELECT 1", [], { timeoutMs: boundMs }));
      const refused = hung.map((statement) => expect(statement).rejects.toThrow(DeadlineExceeded));
      await expect.poll(() => wire.state.connections).toBe(4);
      await advance(boundMs);
      await Promise.all(refused);
      wire.state.mode = "answer";
      // Within a bound longer than a connection's timeout, the next statement gets a fresh connection.
      const next = database.query("SELECT 1", [], { timeoutMs: connectTimeoutMs * 3 });
      await advance(connectTimeoutMs - boundMs);
      expect(await next).toEqual([]);
    }));
});
