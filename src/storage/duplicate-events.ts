import { getStore, type Store } from "@netlify/blobs";
import type { Logger } from "../log.ts";
import type { TelephonyResponse } from "../okta/telephony-response.ts";
import { type BoundedRun, forEachBounded } from "../support/bounded-work.ts";
import { withinMs } from "../support/deadline.ts";
import { errorLineOf } from "../support/error-text.ts";
import { idSegment } from "./store-key.ts";

/**
 * Never two messages for one Okta event. The first request for an `eventId` claims it; a repeat
 * (Okta's duplicate, a replay) gets the first's answer instead of reaching Telesign, while the
 * first is in flight and, once it succeeded, until the code expires. A first that failed releases
 * its claim, so that a repeat may try again.
 *
 * Two layers: this instance's memory (concurrent repeats wait on the same answer, no store
 * round trip), and Netlify Blobs for every instance (`onlyIfNew` makes exactly one claim win).
 * A store that cannot answer in time never blocks a code: the request is sent, and logged.
 *
 * Keys: `claims/{event}` is the claim, keyed by the eventId alone (its SHA-256, see store-key.ts:
 * nothing else the request says can make a second claim); `claimed/{YYYY-MM-DD}/{event}` dates it
 * by this hook's clock, for the sweep.
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
  /** When the code expires (ms since epoch): the claim lasts until then. */
  expiresAt: number;
  /** The `performance.now()` time by which this request must have its answer. */
  deadline: number;
}

export interface DuplicateEvents {
  claim(event: EventClaim): Promise<Claim>;
  /**
   * Deletes the shared claims taken on days before `cutoff`'s day, until `deadline` (a
   * `performance.now()` time); a run cut short is resumed by the next.
   */
  deleteClaimsBefore(cutoff: Date, deadline?: number): Promise<BoundedRun>;
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
/** Claims deleted at once by the sweep: each takes two round trips. */
const sweepConcurrency = 32;

export function netlifyClaimStore(): Store {
  return getStore({ name: claimStoreName, consistency: "strong" });
}

export function createDuplicateEvents({
  store,
  log,
  now = () => new Date(),
}: {
  store?: () => Store;
  log: Logger;
  now?: () => Date;
}): DuplicateEvents {
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

  async function claim({ eventId, expiresAt, deadline }: EventClaim): Promise<Claim> {
    const known = remembered.get(eventId);
    if (known !== undefined && known.expiresAt > Date.now()) {
      return { kind: "repeat", answer: await untilDeadline(known.answer, deadline) };
    }
    let answerRepeats!: (answer: TelephonyResponse | undefined) => void;
    const answer = new Promise<TelephonyResponse | undefined>((resolve) => {
      answerRepeats = resolve;
    });
    remember(eventId, { answer, expiresAt });

    const event = idSegment(eventId);
    const key = `claims/${event}`;
    const shared = store === undefined ? undefined : await claimShared(store, event, expiresAt, deadline);
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
        if (shared === undefined) return;
        const claims = shared.store;
        if (delivered) {
          await claims.setJSON(key, { state: "answered", expiresAt, answer: firstAnswer } satisfies StoredClaim);
          await shared.dated;
        } else {
          await shared.dated.catch(() => {});
          await Promise.all([claims.delete(key), claims.delete(shared.datedKey)]);
        }
      },
    };
  }

  /** Takes the claim in the shared store, or waits for the answer of the request that holds it. */
  async function claimShared(
    openStore: () => Store,
    /** The eventId's key segment. */
    event: string,
    expiresAt: number,
    deadline: number,
  ): Promise<
    | { kind: "first"; store: Store; dated: Promise<unknown>; datedKey: string }
    | { kind: "repeat"; answer: TelephonyResponse | undefined }
    | undefined
  > {
    const key = `claims/${event}`;
    // Each store call gets its own short timeout, and none outlives the request's deadline.
    const withinTimeout = <T>(work: Promise<T>) =>
      withinMs(Math.max(1, Math.min(claimTimeoutMs, deadline - performance.now())), () => work);
    try {
      const claims = openStore();
      for (;;) {
        const written = await withinTimeout(
          claims.setJSON(key, { state: "sending", expiresAt } satisfies StoredClaim, { onlyIfNew: true }),
        );
        if (written.modified) {
          // The sweep's index is written beside the send, and awaited only after the response.
          const datedKey = `claimed/${now().toISOString().slice(0, 10)}/${event}`;
          const dated = claims.set(datedKey, "", { onlyIfNew: true });
          dated.catch(() => {}); // settle() reports its failure
          return { kind: "first", store: claims, dated, datedKey };
        }
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
        error: errorLineOf(error),
      });
      return undefined;
    }
  }

  return {
    claim,
    async deleteClaimsBefore(cutoff, deadline = Number.POSITIVE_INFINITY) {
      if (store === undefined) return { done: 0, complete: true };
      const claims = store();
      const cutoffDay = cutoff.toISOString().slice(0, 10);
      async function* datedPages() {
        const { directories } = await claims.list({ prefix: "claimed/", directories: true });
        for (const directory of directories.sort()) {
          if (directory.slice("claimed/".length, "claimed/".length + 10) >= cutoffDay) continue;
          for await (const { blobs } of claims.list({ prefix: directory.replace(/\/?$/, "/"), paginate: true })) {
            yield blobs.map(({ key }) => key);
          }
        }
      }
      // The claim first, its index last: a run cut in between leaves the index to resume from.
      return forEachBounded(datedPages(), { concurrency: sweepConcurrency, deadline }, async (datedKey) => {
        await claims.delete(`claims/${datedKey.slice(datedKey.lastIndexOf("/") + 1)}`);
        await claims.delete(datedKey);
        return true;
      });
    },
  };
}

function untilDeadline<T>(work: Promise<T>, deadline: number): Promise<T | undefined> {
  return withinMs(deadline - performance.now(), () => work).catch(() => undefined);
}
