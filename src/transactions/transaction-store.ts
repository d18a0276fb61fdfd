import { getStore, type Store } from "@netlify/blobs";
import { type BoundedRun, forEachBounded } from "../bounded-work.ts";
import { idSegment, referenceSegment } from "../store-key.ts";
import {
  assembleRecord,
  type SendFacts,
  type StatusEntry,
  type TransactionFact,
  type TransactionRecord,
} from "./transaction-record.ts";

/**
 * Transaction records in Netlify Blobs, as immutable facts: each send and each status is its own
 * blob, written with `onlyIfNew` under a key that names it. Writers that race (the hook's own
 * record and Telesign's callbacks, which may come first, and come again) never overwrite each
 * other, and a duplicate, or a replay, lands on the key its twin already holds.
 *
 * Keys (`{ref}` is Telesign's 32 hex digits, `{event}` the eventId's SHA-256, see store-key.ts):
 * - `reference/{ref}/send` and `reference/{ref}/status/{code}/{time}` the facts (`{time}` is the
 *   SHA-256 of Telesign's `updated_on`, or `undated`: a status is one fact per code and time);
 * - `reference/{ref}/event/{event}` marks that `event/{event}` → `{ referenceId }` exists, so that
 *   the sweep deletes it without reading a fact;
 * - `created/{YYYY-MM-DD}/{ref}` the retention index, one per day a fact arrived.
 */

export interface TransactionStore {
  recordSend(send: SendFacts): Promise<void>;
  /** `dated`: whether Telesign gave the status's time (else `status.updatedOn` is the receipt time). */
  recordStatus(
    referenceId: string,
    status: StatusEntry,
    options?: { eventId?: string; dated?: boolean },
  ): Promise<void>;
  /** Whether any fact of the transaction is stored. */
  has(referenceId: string): Promise<boolean>;
  get(referenceId: string): Promise<TransactionRecord | undefined>;
  getByEventId(eventId: string): Promise<TransactionRecord | undefined>;
  /**
   * Deletes the records first seen on days before `cutoff`'s day, until `deadline` (a
   * `performance.now()` time); a run cut short is resumed by the next.
   */
  deleteCreatedBefore(cutoff: Date, deadline?: number): Promise<BoundedRun>;
}

export const transactionStoreName = "telesign-transactions";

/** The site's store, as Netlify provides it to each function (strong consistency: reads see every write). */
export function netlifyTransactionStore(): TransactionStore {
  return blobsTransactionStore(getStore({ name: transactionStoreName, consistency: "strong" }));
}

/** Records deleted at once by the sweep: each takes three round trips (list, delete facts, delete index). */
const sweepConcurrency = 32;

const factsPrefix = (referenceId: string) => `reference/${referenceSegment(referenceId)}/`;
const eventKey = (eventId: string) => `event/${idSegment(eventId)}`;
const eventMarker = "/event/";

export function blobsTransactionStore(store: Store, now: () => Date = () => new Date()): TransactionStore {
  async function recordFact(referenceId: string, key: string, fact: TransactionFact, eventId: string | undefined) {
    // Indexes first: one that points nowhere is harmless, a fact that no index finds is not.
    const prefix = factsPrefix(referenceId);
    const indexes = [
      store.set(`created/${fact.recordedAt.slice(0, 10)}/${referenceSegment(referenceId)}`, "", { onlyIfNew: true }),
    ];
    if (eventId !== undefined) {
      indexes.push(
        store.setJSON(eventKey(eventId), { referenceId }, { onlyIfNew: true }),
        store.set(`${prefix}event/${idSegment(eventId)}`, "", { onlyIfNew: true }),
      );
    }
    await Promise.all(indexes);
    await store.setJSON(key, fact, { onlyIfNew: true });
  }

  async function get(referenceId: string): Promise<TransactionRecord | undefined> {
    const { blobs } = await store.list({ prefix: factsPrefix(referenceId) });
    const factKeys = blobs.map(({ key }) => key).filter((key) => !key.includes(eventMarker));
    const facts = await Promise.all(factKeys.map((key) => store.get(key, { type: "json" })));
    return assembleRecord(
      referenceId,
      facts.filter((fact): fact is TransactionFact => fact !== null),
    );
  }

  /** One record's facts, event index and marker, then its retention index (last, so that a cut run resumes). */
  async function deleteRecord(indexKey: string): Promise<boolean> {
    const referenceId = indexKey.slice(indexKey.lastIndexOf("/") + 1);
    const { blobs } = await store.list({ prefix: factsPrefix(referenceId) });
    await Promise.all(
      blobs.flatMap(({ key }) => {
        const marker = key.indexOf(eventMarker);
        const deletions = [store.delete(key)];
        if (marker !== -1) deletions.push(store.delete(`event/${key.slice(marker + eventMarker.length)}`));
        return deletions;
      }),
    );
    await store.delete(indexKey);
    return blobs.length > 0;
  }

  /** The retention index's keys of days before the cutoff, a page at a time. */
  async function* indexPagesBefore(cutoffDay: string) {
    const { directories } = await store.list({ prefix: "created/", directories: true });
    for (const directory of directories.sort()) {
      const day = directory.replace(/^created\//, "").replace(/\/$/, "");
      if (day >= cutoffDay) continue;
      for await (const { blobs } of store.list({ prefix: `created/${day}/`, paginate: true })) {
        yield blobs.map(({ key }) => key);
      }
    }
  }

  return {
    recordSend: async (send) =>
      recordFact(
        send.referenceId,
        `${factsPrefix(send.referenceId)}send`,
        { kind: "send", send, recordedAt: now().toISOString() },
        send.eventId,
      ),
    recordStatus: async (referenceId, status, { eventId, dated = true } = {}) =>
      recordFact(
        referenceId,
        `${factsPrefix(referenceId)}status/${status.code}/${dated ? idSegment(status.updatedOn) : "undated"}`,
        { kind: "status", status, eventId, recordedAt: now().toISOString() },
        eventId,
      ),
    async has(referenceId) {
      const { blobs } = await store.list({ prefix: factsPrefix(referenceId) });
      return blobs.length > 0;
    },
    get,
    async getByEventId(eventId) {
      const index = (await store.get(eventKey(eventId), { type: "json" })) as { referenceId: string } | null;
      return index === null ? undefined : get(index.referenceId);
    },
    deleteCreatedBefore: async (cutoff, deadline = Number.POSITIVE_INFINITY) =>
      forEachBounded(
        indexPagesBefore(cutoff.toISOString().slice(0, 10)),
        { concurrency: sweepConcurrency, deadline },
        deleteRecord,
      ),
  };
}
