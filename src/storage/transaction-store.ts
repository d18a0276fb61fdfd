import { getStore, type Store } from "@netlify/blobs";
import { type BoundedRun, forEachBounded } from "../support/bounded-work.ts";
import { idSegment, referenceSegment } from "./store-key.ts";
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
 * - `event/{event}` → `{ referenceId }`, to find a record by Okta's eventId;
 * - `created/{YYYY-MM-DD}/{key}` the retention index: one entry for every key above, on the day it
 *   was written, so that the sweep deletes a day's keys from one paginated listing, without a read.
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

/** Keys deleted at once by the sweep: each takes two round trips (the key, then its index entry). */
const sweepConcurrency = 64;

const factsPrefix = (referenceId: string) => `reference/${referenceSegment(referenceId)}/`;
const eventKey = (eventId: string) => `event/${idSegment(eventId)}`;
const indexPrefix = "created/";

export function blobsTransactionStore(store: Store, now: () => Date = () => new Date()): TransactionStore {
  async function recordFact(key: string, fact: TransactionFact, eventId: string | undefined, referenceId: string) {
    const keys: [string, () => Promise<unknown>][] = [[key, () => store.setJSON(key, fact, { onlyIfNew: true })]];
    if (eventId !== undefined) {
      const event = eventKey(eventId);
      keys.push([event, () => store.setJSON(event, { referenceId }, { onlyIfNew: true })]);
    }
    // Index entries first: one that points nowhere is harmless, a key that no index finds is not.
    const day = fact.recordedAt.slice(0, 10);
    await Promise.all(keys.map(([written]) => store.set(`${indexPrefix}${day}/${written}`, "", { onlyIfNew: true })));
    await Promise.all(keys.map(([, write]) => write()));
  }

  async function get(referenceId: string): Promise<TransactionRecord | undefined> {
    const { blobs } = await store.list({ prefix: factsPrefix(referenceId) });
    const facts = await Promise.all(blobs.map(({ key }) => store.get(key, { type: "json" })));
    return assembleRecord(
      referenceId,
      facts.filter((fact): fact is TransactionFact => fact !== null),
    );
  }

  /** The key an index entry stands for, then the entry (last, so that a cut run resumes). */
  async function deleteIndexed(indexKey: string): Promise<boolean> {
    const key = indexKey.slice(indexKey.indexOf("/", indexPrefix.length) + 1);
    await store.delete(key);
    await store.delete(indexKey);
    return key.startsWith("reference/");
  }

  /** The retention index's entries of days before the cutoff, a page at a time. */
  async function* indexPagesBefore(cutoffDay: string) {
    const { directories } = await store.list({ prefix: indexPrefix, directories: true });
    for (const directory of directories.sort()) {
      const day = directory.slice(indexPrefix.length, indexPrefix.length + 10);
      if (day >= cutoffDay) continue;
      for await (const { blobs } of store.list({ prefix: `${indexPrefix}${day}/`, paginate: true })) {
        yield blobs.map(({ key }) => key);
      }
    }
  }

  return {
    recordSend: async (send) =>
      recordFact(
        `${factsPrefix(send.referenceId)}send`,
        { kind: "send", send, recordedAt: now().toISOString() },
        send.eventId,
        send.referenceId,
      ),
    recordStatus: async (referenceId, status, { eventId, dated = true } = {}) =>
      recordFact(
        `${factsPrefix(referenceId)}status/${status.code}/${dated ? idSegment(status.updatedOn) : "undated"}`,
        { kind: "status", status, eventId, recordedAt: now().toISOString() },
        eventId,
        referenceId,
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
        deleteIndexed,
      ),
  };
}
