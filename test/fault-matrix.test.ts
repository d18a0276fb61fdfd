import { createServer, type Server } from "node:net";
import { delay, HttpResponse, http } from "msw";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { createTelephonyHook } from "../src/handlers/telephony-hook.ts";
import { jsonLogger } from "../src/log.ts";
import { errorSummaries } from "../src/okta/telephony-response.ts";
import { createDuplicateEvents, eventKey, maxClaimMs } from "../src/storage/duplicate-events.ts";
import { databaseTransactionStore } from "../src/storage/transaction-store.ts";
import { freePort } from "../tools/ports.ts";
import { onTestTime } from "./support/clock.ts";
import { type Fault, useDatabase } from "./support/database.ts";
import { baseEnv, oktaPost, telesignUrl, useTelesignSimulator } from "./support/hook.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { oktaRequest } from "./support/okta-requests.ts";

/**
 * One row per way Telesign can fail: what Okta gets. Transport faults are real where they can be
 * on loopback (a refused port, a server that resets mid-response); a DNS failure is the error
 * Node's fetch raises for one. No row measures time: a deadline is proven by the answer Okta gets
 * while Telesign's step has not resolved (it never does, or only after the deadline), and the
 * benchmark measures how precisely it fires. Rows that wait on a bound run on the test's clock
 * (support/clock.ts): it moves once the work waits on the bound, so that the bound fires then,
 * and never before the work that must beat it is done, however busy the machine.
 */

const budgetMs = 600;

let resetting: Server;
let resettingUrl: string;
let refusedUrl: string;

beforeAll(async () => {
  // Answers headers and half a body, then drops the connection.
  resetting = createServer((socket) => {
    socket.once("data", () => {
      socket.write(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"reference_id":"35C8',
      );
      setTimeout(() => socket.destroy(), 20);
    });
  });
  await new Promise<void>((resolve) => resetting.listen(0, "127.0.0.1", resolve));
  resettingUrl = `http://127.0.0.1:${(resetting.address() as { port: number }).port}`;
  refusedUrl = `http://127.0.0.1:${await freePort()}`;
});
afterAll(() => new Promise<void>((resolve) => resetting.close(() => resolve())));

interface TelesignFault {
  fault: string;
  /** Telesign's behaviour, through msw; or another base URL (real loopback faults); or a fetch. */
  telesign?: () => Response | Promise<Response>;
  apiUrl?: () => string;
  fetch?: typeof fetch;
  /** What Okta gets: a Telesign code, a fixed errorSummary, or success. */
  expected: string;
  /** How many times Telesign may be called: resubmitted only where nothing can have been sent. */
  calls?: number;
  /** How far the test's clock moves once Telesign has the request (real time when unset). */
  waitMs?: number;
}

const status = (httpStatus: number, code: number, description: string) => () =>
  HttpResponse.json({ status: { code, description }, external_id: null }, { status: httpStatus });

const dnsFailure: typeof fetch = async () => {
  const cause = Object.assign(new Error("getaddrinfo ENOTFOUND rest-ww.telesign.com"), { code: "ENOTFOUND" });
  throw new TypeError("fetch failed", { cause });
};

const matrix: TelesignFault[] = [
  {
    fault: "30xx: insufficient funds (3073, HTTP 200)",
    telesign: status(200, 3073, "Insufficient funds"),
    expected: "3073",
  },
  {
    fault: "31xx: invalid phone number (3101, HTTP 400)",
    telesign: status(400, 3101, "Invalid phone number"),
    expected: "3101",
  },
  { fault: "31xx: invalid request (3110, HTTP 400)", telesign: status(400, 3110, "Invalid request"), expected: "3110" },
  { fault: "32xx: rate limit (3204, HTTP 429)", telesign: status(429, 3204, "Rate limit exceeded"), expected: "3204" },
  {
    fault: "33xx: missing parameter (3306, HTTP 400)",
    telesign: status(400, 3306, "Missing parameter"),
    expected: "3306",
  },
  { fault: "34xx: not authorized (3400, HTTP 401)", telesign: status(401, 3400, "Not authorized"), expected: "3400" },
  {
    fault: "35xx: unavailable (3500, HTTP 503), resubmitted",
    telesign: status(503, 3500, "System unavailable"),
    expected: "3500",
    calls: 3,
  },
  {
    fault: "HTML 502 from a proxy",
    telesign: () => new HttpResponse("<html>502 Bad Gateway</html>", { status: 502 }),
    expected: "Message provider error",
  },
  {
    fault: "HTML 503 from a proxy, resubmitted",
    telesign: () => new HttpResponse("<html>503</html>", { status: 503 }),
    expected: "Message provider error",
    calls: 3,
  },
  { fault: "an empty body", telesign: () => new HttpResponse("", { status: 200 }), expected: "Message provider error" },
  {
    fault: "truncated JSON",
    telesign: () => new HttpResponse('{"reference_id":"35C8B5D5","status":{"code":30', { status: 200 }),
    expected: "Message provider error",
  },
  {
    fault: "HTTP 413 with an HTML page",
    telesign: () => new HttpResponse("<html>413</html>", { status: 413 }),
    expected: "Message provider error",
  },
  {
    fault: "connection refused, resubmitted",
    apiUrl: () => refusedUrl,
    expected: "Message provider unreachable",
    calls: 3,
  },
  { fault: "connection reset mid-response", apiUrl: () => resettingUrl, expected: "Message provider unreachable" },
  { fault: "DNS failure, resubmitted", fetch: dnsFailure, expected: "Message provider unreachable", calls: 3 },
  {
    fault: "no answer at all",
    telesign: () => delay("infinite").then(() => HttpResponse.json({})),
    expected: "Message provider timed out",
    waitMs: budgetMs,
  },
  {
    fault: "headers, then a body that never ends",
    telesign: () =>
      new HttpResponse(
        new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode("{")) }),
        {
          status: 200,
        },
      ),
    expected: "Message provider timed out",
    waitMs: budgetMs,
  },
  {
    fault: "a slow answer just under the deadline",
    telesign: () =>
      delay(budgetMs - 150).then(() =>
        HttpResponse.json({
          reference_id: "35C8B5D509BC10689196FED2AD551B8A",
          status: { code: 3001, description: "Message in progress" },
        }),
      ),
    expected: "SUCCESSFUL",
    waitMs: budgetMs - 150,
  },
  {
    fault: "a slow answer just over the deadline",
    telesign: () =>
      delay(budgetMs + 150).then(() =>
        HttpResponse.json({
          reference_id: "35C8B5D509BC10689196FED2AD551B8A",
          status: { code: 3001, description: "Message in progress" },
        }),
      ),
    expected: "Message provider timed out",
    waitMs: budgetMs,
  },
];

describe("the fault matrix", () => {
  it.each(matrix.map((row) => [row.fault, row] as const))("%s", async (_, row) => {
    useTelesignSimulator();
    let calls = 0;
    let called!: () => void;
    const telesignCalled = new Promise<void>((resolve) => (called = resolve));
    if (row.telesign !== undefined) {
      const answer = row.telesign;
      server.use(
        http.post(`${telesignUrl}/v1/omnichannel`, () => {
          calls++;
          called();
          return answer();
        }),
      );
    }
    const countingFetch: typeof fetch = (input, init) => {
      calls++;
      return (row.fetch ?? fetch)(input, init);
    };
    // The rows about the deadline have it at budgetMs, on the test's clock; the others have the
    // product's default, so that a busy machine leaves a resubmission the time it needs.
    const config = parseConfig({
      ...baseEnv,
      ...(row.waitMs !== undefined && { TELESIGN_TIMEOUT_MS: String(budgetMs) }),
      ...(row.apiUrl && { TELESIGN_API_URL: row.apiUrl() }),
    });
    const hook = createTelephonyHook({ config, fetch: row.telesign === undefined ? countingFetch : undefined });
    const from = capturedLines.length;

    const { waitMs } = row;
    const response =
      waitMs === undefined
        ? await hook(oktaPost())
        : await onTestTime(async (advance) => {
            const answered = hook(oktaPost());
            await telesignCalled;
            await advance(waitMs);
            return answered;
          });
    const body = (await response.json()) as Record<string, any>;

    expect(response.status).toBe(200);
    if (row.expected === "SUCCESSFUL") expect(body.commands[0].value[0].status).toBe("SUCCESSFUL");
    else expect(body.error.errorSummary).toBe(row.expected);
    if (row.calls !== undefined) {
      expect(calls).toBeGreaterThan(1);
      expect(calls).toBeLessThanOrEqual(row.calls);
    } else {
      expect(calls).toBe(1);
    }
    const [line] = logLinesSince(from);
    expect(line?.message).toBe("okta telephony request");
  });
});

/**
 * One row per way Netlify Database can fail on the request's path (the duplicate-event claim): the
 * code is still delivered once, inside Okta's 3 s, and the log says whether the guard was the
 * database or only this instance's memory. Records are written after the answer and never wait.
 */
const db = useDatabase({ access: "neon-http" });

/** A hook instance, as on one Netlify instance: instances share claims through the database. */
function instance() {
  const afterResponse: Promise<unknown>[] = [];
  const hook = createTelephonyHook({
    config: parseConfig(baseEnv),
    duplicates: createDuplicateEvents({ database: db.database, log: jsonLogger }),
    transactions: () => databaseTransactionStore(db.database),
  });
  const call = async () => {
    const response = await hook(oktaPost(), { waitUntil: (work) => afterResponse.push(work) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  return { call, settled: () => Promise.all(afterResponse) };
}

interface DatabaseFault {
  fault: string;
  /** What the database does with the next statements (the claim first). */
  faults: Fault[];
  /** Where the claim was taken. */
  guard: "database" | "memory";
  /** How far the test's clock moves once the last fault was taken. */
  waitMs?: number;
}

const databaseMatrix: DatabaseFault[] = [
  {
    fault: "unreachable (connection refused)",
    faults: [{ kind: "fail", message: "connect ECONNREFUSED" }],
    guard: "memory",
  },
  { fault: "slow (300 ms a statement)", faults: [{ kind: "slow", delayMs: 300 }], guard: "database", waitMs: 300 },
  { fault: "hanging (never answers)", faults: [{ kind: "hang" }], guard: "memory", waitMs: maxClaimMs },
  {
    fault: "failing mid-statement (the claim ran, its answer was lost)",
    faults: [{ kind: "fail_after", message: "Connection terminated unexpectedly" }],
    guard: "memory",
  },
  {
    fault: "resuming from sleep (the first statement takes 1 s)",
    faults: [{ kind: "slow", delayMs: 1_000 }],
    guard: "database",
    waitMs: 1_000,
  },
];

describe("the database's fault matrix", () => {
  it.each(databaseMatrix.map((row) => [row.fault, row] as const))("%s", async (_, row) =>
    onTestTime(async (advance) => {
      const simulator = useTelesignSimulator();
      const faultTaken = db.fault(...row.faults);
      const first = instance();
      const from = capturedLines.length;
      const answered = first.call();
      if (row.waitMs !== undefined) {
        await faultTaken;
        await advance(row.waitMs);
      }
      const { status, body } = await answered;

      expect(status).toBe(200);
      expect(body.commands[0].value[0].status).toBe("SUCCESSFUL");
      expect(simulator.sentBodies()).toHaveLength(1);
      const request = logLinesSince(from).find((line) => line.message === "okta telephony request");
      expect(request?.outcome).toBe("accepted");
      expect(request?.duplicateGuard).toBe(row.guard === "memory" ? "memory" : undefined);
      if (row.guard === "memory") {
        expect(logLinesSince(from)).toContainEqual(expect.objectContaining({ message: "duplicate guard unavailable" }));
      }

      await first.settled();
      // Okta's retry reaches another instance once the database is back: the first request settled
      // its send with an upsert, so the retry gets the first answer even where the claim never ran.
      const repeat = await instance().call();
      expect(repeat.body).toEqual(body);
      expect(simulator.sentBodies()).toHaveLength(1);
    }),
  );

  it("a claim statement that lands after the first was answered (the server ran it late) leaves the answer to repeats", async () =>
    onTestTime(async (advance) => {
      const simulator = useTelesignSimulator();
      let open!: () => void;
      const faultTaken = db.fault({ kind: "gated", open: new Promise<void>((resolve) => (open = resolve)) });
      const first = instance();
      const answered = first.call();
      await faultTaken;
      await advance(maxClaimMs);
      const { body } = await answered;
      expect(body.commands[0].value[0].status).toBe("SUCCESSFUL");
      await first.settled();
      open();
      await db.gatedRan();

      const repeat = await instance().call();
      expect(repeat.body).toEqual(body);
      expect(simulator.sentBodies()).toHaveLength(1);
    }));
});

/**
 * A repeat on another instance while the first request holds the claim: once its claim statement
 * came back without a row, the claim is proven held, and no later database fault may let it send.
 */
const heldClaimMatrix: { fault: string; faults: Fault[]; waitMs?: number }[] = [
  { fault: "fails", faults: [{ kind: "ok" }, { kind: "fail", message: "Connection terminated unexpectedly" }] },
  { fault: "hangs", faults: [{ kind: "ok" }, { kind: "hang" }], waitMs: maxClaimMs },
  {
    fault: "is slower than its bound",
    faults: [{ kind: "ok" }, { kind: "slow", delayMs: 2_000 }],
    waitMs: maxClaimMs,
  },
  { fault: "fails mid-statement", faults: [{ kind: "ok" }, { kind: "fail_after" }] },
];

describe("a repeat whose claim is held elsewhere, when reading the claim's state", () => {
  it.each(heldClaimMatrix.map((row) => [row.fault, row] as const))(
    "%s: answers Duplicate request in progress and never sends a second message",
    async (_, row) =>
      onTestTime(async (advance) => {
        const simulator = useTelesignSimulator();
        await db.sql(
          "INSERT INTO event_claims (event_key, holder, state, claimed_at, expires_at) " +
            "VALUES ($1, 'another-instance', 'sending', now(), now() + interval '5 minutes')",
          [eventKey(oktaRequest().eventId as string)],
        );
        const faultTaken = db.fault(...row.faults);
        const from = capturedLines.length;
        const answered = instance().call();
        if (row.waitMs !== undefined) {
          await faultTaken;
          await advance(row.waitMs);
        }
        const { status, body } = await answered;

        expect(status).toBe(200);
        expect(body.error?.errorSummary).toBe(errorSummaries.duplicateInProgress);
        expect(simulator.sentBodies()).toHaveLength(0);
        expect(logLinesSince(from)).toContainEqual(expect.objectContaining({ outcome: "duplicate" }));
      }),
  );
});
