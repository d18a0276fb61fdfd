import { delay, http } from "msw";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { parseGuardConfig } from "../src/fraud/guard-config.ts";
import { memoryRateCounters } from "../src/fraud/rate-counters.ts";
import { createTelephonyHook } from "../src/handlers/telephony-hook.ts";
import { jsonLogger } from "../src/log.ts";
import { errorSummaries } from "../src/okta/telephony-response.ts";
import type { Database, QueryOptions } from "../src/storage/database.ts";
import { claimBoundMs, createDuplicateEvents, eventKey, maxClaimMs } from "../src/storage/duplicate-events.ts";
import { onTestTime } from "./support/clock.ts";
import { useDatabase } from "./support/database.ts";
import { baseEnv, oktaPost, telesignUrl, useTelesignSimulator } from "./support/hook.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { oktaRequest } from "./support/okta-requests.ts";

const db = useDatabase({ access: "neon-http" });

/** A hook instance, as on one Netlify instance; instances share claims through the database. */
function instance(env: Record<string, string> = {}, database: () => Database = db.database) {
  const duplicates = createDuplicateEvents({ database, log: jsonLogger });
  const hook = createTelephonyHook({ config: parseConfig({ ...baseEnv, ...env }), duplicates });
  const afterResponse: Promise<unknown>[] = [];
  const call = async (body: unknown) => {
    const response = await hook(oktaPost(body), { waitUntil: (work) => afterResponse.push(work) });
    return (await response.json()) as Record<string, any>;
  };
  return { call, settled: () => Promise.all(afterResponse) };
}

describe("a repeated eventId", () => {
  it("gets the first answer and never reaches Telesign twice", async () => {
    const simulator = useTelesignSimulator();
    const { call } = instance();
    const first = await call(oktaRequest());
    const from = capturedLines.length;
    const repeat = await call(oktaRequest());
    expect(repeat).toEqual(first);
    expect(simulator.sentBodies()).toHaveLength(1);
    expect(logLinesSince(from)).toMatchObject([
      { level: "warn", outcome: "duplicate", eventId: "uS5871kJThSsU8qlA1LTcg" },
    ]);
  });

  it("sent concurrently to one instance, is sent once and answered alike", async () => {
    const simulator = useTelesignSimulator();
    const { call } = instance();
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(oktaRequest())));
    expect(simulator.sentBodies()).toHaveLength(1);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]?.commands[0].value[0].status).toBe("SUCCESSFUL");
  });

  it("on another instance, after the first succeeded, gets the stored answer", async () => {
    const simulator = useTelesignSimulator();
    const first = instance();
    const answer = await first.call(oktaRequest());
    await first.settled();
    const other = instance();
    expect(await other.call(oktaRequest())).toEqual(answer);
    expect(simulator.sentBodies()).toHaveLength(1);
  });

  it("on another instance, while the first is in flight, waits for its answer", async () => {
    const simulator = useTelesignSimulator();
    server.use(
      http.post(`${telesignUrl}/v1/omnichannel`, async ({ request }) => {
        await delay(400);
        return simulator.handle(request);
      }),
    );
    const first = instance();
    const other = instance();
    const firstAnswer = first.call(oktaRequest());
    // The second request arrives once the first holds the claim.
    while ((await db.sql("SELECT 1 FROM event_claims")).length === 0) await delay(10);
    const [a, b] = await Promise.all([firstAnswer, other.call(oktaRequest())]);
    expect(b).toEqual(a);
    expect(simulator.sentBodies()).toHaveLength(1);
  });

  it("is sent again after Telesign refused the first (nothing was sent)", async () => {
    const simulator = useTelesignSimulator();
    const { call, settled } = instance();
    const request = oktaRequest({ phoneNumber: "+15555553101" });
    expect((await call(request)).error.errorSummary).toBe("3101");
    await settled();
    expect((await call(request)).error.errorSummary).toBe("3101");
    expect(simulator.sentBodies()).toHaveLength(2);
  });

  it("is not sent again after the first timed out (Telesign may have sent it)", async () => {
    const simulator = useTelesignSimulator();
    const { call, settled } = instance({ TELESIGN_TIMEOUT_MS: "300" });
    const request = oktaRequest({ phoneNumber: "+15555550408" });
    const first = await call(request);
    await settled();
    expect(first.error.errorSummary).toBe("Message provider timed out");
    expect(await call(request)).toEqual(first);
    expect(simulator.received).toHaveLength(1);
  });

  it("with another eventId is another code", async () => {
    const simulator = useTelesignSimulator();
    const { call } = instance();
    await call(oktaRequest());
    await call(oktaRequest({}, { eventId: "another-event-id" }));
    expect(simulator.sentBodies()).toHaveLength(2);
  });
});

describe("when the database cannot help", () => {
  it("still delivers when the database is unreachable, guards in memory, and logs it", async () => {
    const simulator = useTelesignSimulator();
    const unreachable: Database = {
      query: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")),
    };
    const duplicates = createDuplicateEvents({ database: () => unreachable, log: jsonLogger });
    const hook = createTelephonyHook({ config: parseConfig(baseEnv), duplicates });
    const send = async () => (await hook(oktaPost())).json();
    const from = capturedLines.length;
    const first = (await send()) as Record<string, any>;
    expect(first.commands[0].value[0].status).toBe("SUCCESSFUL");
    expect(logLinesSince(from)).toMatchObject([
      { level: "warn", message: "duplicate guard unavailable", error: "Error: connect ECONNREFUSED 127.0.0.1:5432" },
      { outcome: "accepted", duplicateGuard: "memory" },
    ]);
    expect(await send()).toEqual(first);
    expect(simulator.sentBodies()).toHaveLength(1);
  });

  it("delivers within the deadline when the database hangs: the claim's bound leaves the send the rest of the budget", async () =>
    onTestTime(async (advance) => {
      const simulator = useTelesignSimulator();
      const taken = db.fault({ kind: "hang" });
      const duplicates = createDuplicateEvents({ database: db.database, log: jsonLogger });
      const hook = createTelephonyHook({ config: parseConfig(baseEnv), duplicates });
      const from = capturedLines.length;
      const answered = hook(oktaPost());
      await taken;
      await advance(maxClaimMs);
      const response = await answered;
      expect(((await response.json()) as Record<string, any>).commands[0].value[0].status).toBe("SUCCESSFUL");
      expect(simulator.sentBodies()).toHaveLength(1);
      // At the full budget: 1,175 ms for the claim (the clock stood still until then), 1,325 ms after it.
      expect(logLinesSince(from)).toContainEqual(
        expect.objectContaining({
          message: "duplicate guard unavailable",
          error: `DeadlineExceeded: no answer within ${claimBoundMs(2_500)} ms`,
        }),
      );
      expect(claimBoundMs(2_500)).toBe(1_175);
    }));
});

describe("the claim is the eventId's alone", () => {
  it.each([
    ["another eventTime", { eventTime: "2022-01-29T00:00:01.000Z" }],
    ["no eventTime", { eventTime: undefined }],
    ["an eventTime that is not a time", { eventTime: "yesterday" }],
  ])("a replay with %s on another instance is never sent twice", async (_, top) => {
    const simulator = useTelesignSimulator();
    const first = instance();
    const answer = await first.call(oktaRequest());
    await first.settled();
    const other = instance();
    expect(await other.call(oktaRequest({}, top))).toEqual(answer);
    expect(simulator.sentBodies()).toHaveLength(1);
  });

  it("eventIds that a URL path would collapse (empty, dot segments, slashes) are distinct events, each with its code", async () => {
    const simulator = useTelesignSimulator();
    const eventIds = ["", ".", "..", "./", "a/../b", "b", "a/./b", "a/b", "a%2Fb", "%2E", "%2e%2e"];
    for (const eventId of eventIds) {
      // A fresh instance each time: only the database can tell the events apart.
      const { call, settled } = instance();
      expect((await call(oktaRequest({}, { eventId }))).commands[0].value[0].status).toBe("SUCCESSFUL");
      await settled();
    }
    expect(simulator.sentBodies()).toHaveLength(eventIds.length);
    expect(await db.sql("SELECT state FROM event_claims")).toHaveLength(eventIds.length);
  });
});

/**
 * A slow database on the path of a repeat: the first request holds the claim (`sending`, waiting
 * on Telesign) on another instance; the repeat's claim statement is slow.
 */
describe("a repeat on a slow database, while the first is in flight", () => {
  const holdClaim = () =>
    db.sql(
      "INSERT INTO event_claims (event_key, holder, state, claimed_at, expires_at) " +
        "VALUES ($1, 'another-instance', 'sending', now(), now() + interval '5 minutes')",
      [eventKey(oktaRequest().eventId as string)],
    );

  it("whose claim takes 700 ms (a database waking up) is a repeat, not a second message", async () =>
    onTestTime(async (advance) => {
      const simulator = useTelesignSimulator();
      await holdClaim();
      const taken = db.fault({ kind: "slow", delayMs: 700 });
      const answered = instance().call(oktaRequest());
      await taken;
      await advance(700);
      // The first never answers: the repeat waits for it until the deadline.
      await advance(2_500);
      expect((await answered).error?.errorSummary).toBe(errorSummaries.duplicateInProgress);
      expect(simulator.sentBodies()).toHaveLength(0);
    }));

  it("whose claim is cut off by its bound, then lands before the send starts, keeps its promise: a repeat", async () =>
    onTestTime(async (advance) => {
      const simulator = useTelesignSimulator();
      await holdClaim();
      // The claim statement answers after its longest bound; the toll-fraud counters beside it answer
      // only once it has (they are the slower step), so that it lands before the send starts.
      const taken = db.fault({ kind: "slow", delayMs: maxClaimMs + 100 });
      let claimLanded: Promise<unknown> | undefined;
      const watched: Database = {
        query<Row extends object>(text: string, params: readonly unknown[], options: QueryOptions) {
          const statement = db.database().query<Row>(text, params, options);
          if (claimLanded === undefined) claimLanded = statement.catch(() => {});
          return statement;
        },
      };
      const duplicates = createDuplicateEvents({ database: () => watched, log: jsonLogger });
      const counters = memoryRateCounters();
      const hook = createTelephonyHook({
        config: parseConfig(baseEnv),
        duplicates,
        fraud: {
          config: parseGuardConfig({}),
          counterTimeoutMs: 5_000,
          counters: {
            async take(keys, deadline) {
              await claimLanded;
              return counters.take(keys, deadline);
            },
            giveBack: counters.giveBack,
          },
        },
      });
      const from = capturedLines.length;
      const answered = hook(oktaPost());
      await taken;
      await advance(maxClaimMs + 100);
      const answer = (await (await answered).json()) as Record<string, any>;
      expect(logLinesSince(from)).toContainEqual(expect.objectContaining({ message: "duplicate guard unavailable" }));
      expect(answer.error?.errorSummary).toBe(errorSummaries.duplicateInProgress);
      expect(simulator.sentBodies()).toHaveLength(0);
    }));
});

describe("a claim released after a refusal", () => {
  it("is not brought back by the first request's claim statement landing late: Okta's retry is sent", async () => {
    const simulator = useTelesignSimulator();
    let open!: () => void;
    const first = instance();
    const request = oktaRequest({ phoneNumber: "+15555553204" });
    await onTestTime(async (advance) => {
      const taken = db.fault({ kind: "gated", open: new Promise<void>((resolve) => (open = resolve)) });
      const answered = first.call(request);
      await taken;
      await advance(maxClaimMs);
      expect((await answered).error.errorSummary).toBe("3204");
      await first.settled();
    });
    // The server runs the first's claim statement only now, after the release.
    open();
    await db.gatedRan();
    expect(await db.sql("SELECT state FROM event_claims WHERE state = 'sending'")).toEqual([]);

    const retry = await instance().call(request);
    expect(retry.error.errorSummary).toBe("3204");
    expect(simulator.sentBodies()).toHaveLength(2);
  });
});

describe("outside text in the stored first reply", () => {
  it("half a surrogate pair in Okta's locale (echoed in an error reply) still settles the claim: repeats get the first reply, never a stuck claim or a second send", async () => {
    server.use(http.post(`${telesignUrl}/v1/omnichannel`, () => new Response("oops", { status: 500 })));
    const first = instance();
    const body = oktaRequest({ locale: "en\ud800" } as never, { eventId: "lone-surrogate-locale" });
    const reply = await first.call(body);
    await first.settled();
    expect(
      await db.sql("SELECT state FROM event_claims WHERE event_key = $1", [eventKey("lone-surrogate-locale")]),
    ).toEqual([{ state: "answered" }]);
    expect((await instance().call(body)).error?.errorSummary).toBe(reply.error?.errorSummary);
  });
});
