import { getStore, type Store } from "@netlify/blobs";
import { withinMs } from "./deadline.ts";
import type { Logger } from "./log.ts";
import type { TelephonyResponse } from "./okta/telephony-response.ts";

/**
 * Never two messages for one Okta event. The first request for an `eventId` claims it; a repeat
 * (Okta's duplicate, a replay) gets the first's answer instead of reaching Telesign, while the
 * first is in flight and, once it succeeded, until the code expires. A first that failed releases
 * its claim, so that a repeat may try again.
 *
 * Two layers: this instance's memory (concurrent repeats wait on the same answer, no store
 * round trip), and Netlify Blobs for every instance (`onlyIfNew` makes exactly one claim win).
 * A store that cannot answer in time never blocks a code: the request is sent, and logged.
 */

export type Claim =
  | {
      kind: "first";
      /** Whether the claim reached the shared store, or only this instance's memory. */
      guard: "store" | "memory";
      /**
       * Gives repeats the answer now; the shared store is updated by the returned promise (run it
       * after the response). A failed delivery releases the claim.
       */
      settle(answer: TelephonyResponse, delivered: boolean): Promise<void>;
    }
  /** `answer` is the first request's, or undefined if it did not come in time. */
  | { kind: "repeat"; answer: TelephonyResponse | undefined };

export interface EventClaim {
  eventId: string;
  /** Okta's eventTime: the same on every repeat, it dates the claim in the store. */
  eventTime?: string;
  /** When the code expires (ms since epoch): the claim lasts until then. */
  expiresAt: number;
  /** The `performance.now()` time by which this request must have its answer. */
  deadline: number;
}

export interface DuplicateEvents {
  claim(event: EventClaim): Promise<Claim>;
  /** Deletes the shared claims of days before `cutoff`'s day. */
  deleteClaimsBefore(cutoff: Date): Promise<number>;
}

interface StoredClaim {
  state: "sending" | "answered";
  expiresAt: number;
  answer?: TelephonyResponse;
}

interface Remembered {
  answer: Promise<TelephonyResponse | undefined>;
  expiresAt: number;
}

export const claimStoreName = "telesign-event-claims";

/** The shared store gets at most this long to take a claim. */
const claimTimeoutMs = 400;
const pollMs = 100;
const maxRemembered = 10_000;

export function netlifyClaimStore(): Store {
  return getStore({ name: claimStoreName, consistency: "strong" });
}

export function createDuplicateEvents({ store, log }: { store?: () => Store; log: Logger }): DuplicateEvents {
  const remembered = new Map<string, Remembered>();

  function remember(eventId: string, entry: Remembered) {
    remembered.delete(eventId);
    remembered.set(eventId, entry);
    // Oldest first: drop what expired, then whatever exceeds the bound.
    const now = Date.now();
    for (const [id, { expiresAt }] of remembered) {
      if (expiresAt > now && remembered.size <= maxRemembered) break;
      remembered.delete(id);
    }
  }

  async function claim({ eventId, eventTime, expiresAt, deadline }: EventClaim): Promise<Claim> {
    const known = remembered.get(eventId);
    if (known !== undefined && known.expiresAt > Date.now()) {
      return { kind: "repeat", answer: await untilDeadline(known.answer, deadline) };
    }
    let answerRepeats!: (answer: TelephonyResponse | undefined) => void;
    const answer = new Promise<TelephonyResponse | undefined>((resolve) => {
      answerRepeats = resolve;
    });
    remember(eventId, { answer, expiresAt });

    const key = claimKey(eventId, eventTime);
    const shared =
      store === undefined || key === undefined ? undefined : await claimShared(store, key, expiresAt, deadline);
    if (shared?.kind === "repeat") {
      answerRepeats(shared.answer);
      if (shared.answer === undefined) remembered.delete(eventId);
      return shared;
    }
    return {
      kind: "first",
      guard: shared === undefined ? "memory" : "store",
      async settle(firstAnswer, delivered) {
        answerRepeats(firstAnswer);
        if (!delivered) remembered.delete(eventId);
        if (shared === undefined || key === undefined) return;
        const claims = shared.store;
        if (delivered)
          await claims.setJSON(key, { state: "answered", expiresAt, answer: firstAnswer } satisfies StoredClaim);
        else await claims.delete(key);
      },
    };
  }

  /** Takes the claim in the shared store, or waits for the answer of the request that holds it. */
  async function claimShared(
    openStore: () => Store,
    key: string,
    expiresAt: number,
    deadline: number,
  ): Promise<{ kind: "first"; store: Store } | { kind: "repeat"; answer: TelephonyResponse | undefined } | undefined> {
    // Each store call gets its own short timeout, and none outlives the request's deadline.
    const withinTimeout = <T>(work: Promise<T>) =>
      withinMs(Math.max(1, Math.min(claimTimeoutMs, deadline - performance.now())), () => work);
    try {
      const claims = openStore();
      for (;;) {
        const written = await withinTimeout(
          claims.setJSON(key, { state: "sending", expiresAt } satisfies StoredClaim, { onlyIfNew: true }),
        );
        if (written.modified) return { kind: "first", store: claims };
        // Another request holds the claim: its answer, once it has one.
        while (performance.now() + pollMs < deadline) {
          const held = (await withinTimeout(claims.get(key, { type: "json" }))) as StoredClaim | null;
          if (held === null) break; // released after a failure: claim it again
          if (held.state === "answered" || held.expiresAt < Date.now()) return { kind: "repeat", answer: held.answer };
          await new Promise((resolve) => setTimeout(resolve, pollMs));
        }
        if (performance.now() + pollMs >= deadline) return { kind: "repeat", answer: undefined };
      }
    } catch (error) {
      log("warn", "duplicate guard unavailable", {
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return undefined;
    }
  }

  return {
    claim,
    async deleteClaimsBefore(cutoff) {
      if (store === undefined) return 0;
      const claims = store();
      const cutoffDay = cutoff.toISOString().slice(0, 10);
      const { blobs } = await claims.list({ prefix: "claims/" });
      let deleted = 0;
      for (const { key } of blobs) {
        if (key.slice("claims/".length, "claims/".length + 10) >= cutoffDay) continue;
        await claims.delete(key);
        deleted++;
      }
      return deleted;
    },
  };
}

/** `claims/{day of eventTime}/{eventId}`; none without a valid eventTime (memory only then). */
function claimKey(eventId: string, eventTime: string | undefined): string | undefined {
  const time = Date.parse(eventTime ?? "");
  if (Number.isNaN(time)) return undefined;
  return `claims/${new Date(time).toISOString().slice(0, 10)}/${encodeURIComponent(eventId)}`;
}

function untilDeadline<T>(work: Promise<T>, deadline: number): Promise<T | undefined> {
  return withinMs(deadline - performance.now(), () => work).catch(() => undefined);
}
