import { getStore, type Store } from "@netlify/blobs";
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
 * other, and a duplicate lands on the key its twin already holds.
 *
 * Keys: `reference/{referenceId}/send`, `reference/{referenceId}/status/{time}/{code}` the facts;
 * `event/{eventId}` → the reference id; `created/{YYYY-MM-DD}/{referenceId}` the retention index.
 */

export interface TransactionStore {
  recordSend(send: SendFacts): Promise<void>;
  recordStatus(referenceId: string, status: StatusEntry, eventId?: string): Promise<void>;
  get(referenceId: string): Promise<TransactionRecord | undefined>;
  getByEventId(eventId: string): Promise<TransactionRecord | undefined>;
  /** Deletes the records first seen on days before `cutoff`'s day; resolves with how many. */
  deleteCreatedBefore(cutoff: Date): Promise<number>;
}

export const transactionStoreName = "telesign-transactions";

/** The site's store, as Netlify provides it to each function (strong consistency: reads see every write). */
export function netlifyTransactionStore(): TransactionStore {
  return blobsTransactionStore(getStore({ name: transactionStoreName, consistency: "strong" }));
}

const factsPrefix = (referenceId: string) => `reference/${referenceId}/`;
const eventKey = (eventId: string) => `event/${encodeURIComponent(eventId)}`;
const statusKey = (referenceId: string, { updatedOn, code }: StatusEntry) =>
  `${factsPrefix(referenceId)}status/${encodeURIComponent(updatedOn)}/${code}`;

export function blobsTransactionStore(store: Store, now: () => Date = () => new Date()): TransactionStore {
  async function recordFact(referenceId: string, key: string, fact: TransactionFact, eventId: string | undefined) {
    // Indexes first: one that points nowhere is harmless, a fact that no index finds is not.
    await store.set(`created/${fact.recordedAt.slice(0, 10)}/${referenceId}`, "", { onlyIfNew: true });
    if (eventId !== undefined) await store.setJSON(eventKey(eventId), { referenceId }, { onlyIfNew: true });
    await store.setJSON(key, fact, { onlyIfNew: true });
  }

  async function get(referenceId: string): Promise<TransactionRecord | undefined> {
    const { blobs } = await store.list({ prefix: factsPrefix(referenceId) });
    const facts = await Promise.all(blobs.map(({ key }) => store.get(key, { type: "json" })));
    return assembleRecord(
      referenceId,
      facts.filter((fact): fact is TransactionFact => fact !== null),
    );
  }

  return {
    recordSend: (send) =>
      recordFact(
        send.referenceId,
        `${factsPrefix(send.referenceId)}send`,
        { kind: "send", send, recordedAt: now().toISOString() },
        send.eventId,
      ),
    recordStatus: (referenceId, status, eventId) =>
      recordFact(
        referenceId,
        statusKey(referenceId, status),
        { kind: "status", status, eventId, recordedAt: now().toISOString() },
        eventId,
      ),
    get,
    async getByEventId(eventId) {
      const index = (await store.get(eventKey(eventId), { type: "json" })) as { referenceId: string } | null;
      return index === null ? undefined : get(index.referenceId);
    },
    async deleteCreatedBefore(cutoff) {
      const cutoffDay = cutoff.toISOString().slice(0, 10);
      const { directories } = await store.list({ prefix: "created/", directories: true });
      const referenceIds = new Set<string>();
      for (const directory of directories) {
        const day = directory.replace(/^created\//, "").replace(/\/$/, "");
        if (day >= cutoffDay) continue;
        const { blobs } = await store.list({ prefix: `created/${day}/` });
        for (const { key } of blobs) {
          const referenceId = key.slice(key.lastIndexOf("/") + 1);
          const record = await get(referenceId);
          if (record?.eventId !== undefined) await store.delete(eventKey(record.eventId));
          const { blobs: facts } = await store.list({ prefix: factsPrefix(referenceId) });
          for (const fact of facts) await store.delete(fact.key);
          await store.delete(key);
          if (record !== undefined) referenceIds.add(referenceId);
        }
      }
      return referenceIds.size;
    },
  };
}
