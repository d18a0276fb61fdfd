import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "../log.ts";
import type { TelephonyResponse } from "../okta/telephony-response.ts";
import { withinMs } from "../support/deadline.ts";
import { errorLineOf } from "../support/error-text.ts";
import { wellFormedJson } from "../support/well-formed.ts";
import type { Database } from "./database.ts";
import { type BoundedRun, deleteInBatches } from "./retention.ts";

/**
 * Never two messages for one Okta event. The first request for an `eventId` claims it; a repeat
 * (Okta's duplicate, a replay) gets the first's reply instead of reaching Telesign, while the
 * first is in flight and, once it succeeded, until the code expires. A first that failed releases
 * its claim, so that a repeat may try again.
 *
 * Two layers: this instance's memory (concurrent repeats wait on the same reply, no round trip),
 * and the `event_claims` table for every instance, where the claim is one atomic statement
 * (`INSERT … ON CONFLICT … RETURNING`: exactly one instance gets the row back). A database that
 * cannot answer within the claim's bound (claimBoundMs) never blocks a code: the request is sent,
 * and logged; a claim that lands after its bound but before the send starts is still obeyed.
 *
 * A claim is keyed by the eventId alone (its SHA-256: any length, one fixed-size key), and carries
 * a random holder id: a claim whose statement failed after it ran is still settled by its holder.
 */

export type Claim =
  | {
      kind: "first";
      /** Whether the claim reached the database, or only this instance's memory. */
      guard: "database" | "memory";
      /**
       * Gives repeats the reply to Okta now; the database is updated by the returned promise (run
       * it after the response). A failed delivery releases the claim.
       */
      settle(reply: TelephonyResponse, delivered: boolean): Promise<void>;
      /**
       * Asked just before the send: whether a claim statement cut off by its bound has landed since
       * and found the claim held by another request. Then this request is a repeat after all, and
       * must not send (nor settle): repeats on this instance get no reply from it.
       */
      heldElsewhere(): boolean;
    }
  /** `reply` is the first request's reply to Okta, or undefined if it did not come in time. */
  | { kind: "repeat"; reply: TelephonyResponse | undefined };

export interface EventClaim {
  eventId: string;
  /** When the code expires (ms since epoch): the claim lasts until then. */
  expiresAt: number;
  /** The `performance.now()` time by which this request must have its reply. */
  deadline: number;
}

export interface DuplicateEvents {
  claim(event: EventClaim): Promise<Claim>;
  /** Deletes the claims of codes that expired before `cutoff`, until `deadline` (a `performance.now()` time). */
  deleteClaimsBefore(cutoff: Date, deadline?: number): Promise<BoundedRun>;
}

interface Remembered {
  reply: Promise<TelephonyResponse | undefined>;
  expiresAt: number;
}

/**
 * The longest a claim statement is waited for: a database resuming from sleep takes "well under a
 * second, not guaranteed", and should still be a database claim.
 */
export const maxClaimMs = 1_200;
/** What the claim leaves of the budget, beyond its own bound: the send's margin (see claimBoundMs). */
const sendMarginMs = 150;

/**
 * How long the claim statement is waited for, `remainingMs` before the deadline: half of what is
 * left less sendMarginMs, at most maxClaimMs. What follows the claim keeps the rest: Telesign's
 * risk score (when configured: at most half of what is left) and the send, with its resubmission
 * while 250 ms are left. At the full 2,500 ms budget, that is 1,175 ms for the claim and 1,325 ms
 * after it, even when the database hangs (with the risk score on, about 660 ms for it and 660 ms
 * for the send); a smaller budget is shared in the same proportion. Past
 * the bound the code is sent with this instance's memory as the only guard, unless the statement
 * lands before the send starts (Claim.heldElsewhere).
 */
export function claimBoundMs(remainingMs: number): number {
  return Math.max(1, Math.floor(Math.min(maxClaimMs, (remainingMs - sendMarginMs) / 2)));
}
/** Settling runs after the reply: it may take longer, and still ends. */
const settleBound = { timeoutMs: 5_000 };
const pollMs = 100;
const maxRemembered = 10_000;

/**
 * Takes the claim: a new row, or one another request released (nothing was sent). A holder never
 * takes back a claim it released itself: its own claim statement landing after its release (an
 * aborted HTTPS request is not cancelled on the server) does nothing.
 */
const claimStatement =
  "INSERT INTO event_claims AS held (event_key, holder, state, claimed_at, expires_at) " +
  "VALUES ($1, $2, 'sending', now(), to_timestamp($3::float8 / 1000)) " +
  "ON CONFLICT (event_key) DO UPDATE SET holder = excluded.holder, state = 'sending', answer = NULL, " +
  "claimed_at = excluded.claimed_at, expires_at = excluded.expires_at " +
  "WHERE held.state = 'released' AND held.holder <> excluded.holder RETURNING holder";
/** The first reply is stored in the `answer` column (state `answered`): the table's names are the migration's. */
const heldStatement =
  "SELECT state, answer AS reply, expires_at < now() AS expired FROM event_claims WHERE event_key = $1";
/**
 * A delivered send is settled by an upsert, not an update: when the claim statement failed before
 * it ran, or lands after this (an aborted HTTPS request is not cancelled on the server), the reply
 * is still what every instance finds, and the late claim finds the row and does nothing.
 */
const replyStatement =
  "INSERT INTO event_claims AS held (event_key, holder, state, answer, claimed_at, expires_at) " +
  "VALUES ($1, $2, 'answered', $3::jsonb, now(), to_timestamp($4::float8 / 1000)) " +
  "ON CONFLICT (event_key) DO UPDATE SET state = 'answered', answer = excluded.answer WHERE held.holder = excluded.holder";
/**
 * A failed send releases its claim by an upsert too, for the same reason: the row says `released`
 * (and whose), so that the holder's own claim landing later cannot bring back a `sending` claim
 * that would hold off Okta's retry until the code expires.
 */
const releaseStatement =
  "INSERT INTO event_claims AS held (event_key, holder, state, claimed_at, expires_at) " +
  "VALUES ($1, $2, 'released', now(), to_timestamp($3::float8 / 1000)) " +
  "ON CONFLICT (event_key) DO UPDATE SET state = 'released' WHERE held.holder = excluded.holder";

interface Held {
  state: "sending" | "answered" | "released";
  reply: TelephonyResponse | null;
  expired: boolean;
}

export function createDuplicateEvents({
  database,
  log,
  claimTimeoutMs,
}: {
  /** None: this instance's memory is the only guard. */
  database?: () => Database;
  log: Logger;
  /** A fixed bound for each claim statement instead of claimBoundMs (tests of many instances on a busy machine). */
  claimTimeoutMs?: number;
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
      return { kind: "repeat", reply: await untilDeadline(known.reply, deadline) };
    }
    let replyToRepeats!: (reply: TelephonyResponse | undefined) => void;
    const reply = new Promise<TelephonyResponse | undefined>((resolve) => {
      replyToRepeats = resolve;
    });
    remember(eventId, { reply, expiresAt });

    const key = eventKey(eventId);
    const holder = randomUUID();
    const shared = database === undefined ? undefined : await claimShared(database(), key, holder, expiresAt, deadline);
    if (shared?.kind === "repeat") {
      replyToRepeats(shared.reply);
      if (shared.reply === undefined) remembered.delete(eventId);
      return shared;
    }
    return {
      kind: "first",
      guard: shared?.kind === "first" ? "database" : "memory",
      heldElsewhere() {
        if (shared?.kind !== "unavailable" || !shared.heldElsewhere()) return false;
        replyToRepeats(undefined);
        remembered.delete(eventId);
        return true;
      },
      async settle(firstReply, delivered) {
        replyToRepeats(firstReply);
        if (!delivered) remembered.delete(eventId);
        if (shared === undefined) return;
        const settled = delivered
          ? shared.database.query(replyStatement, [key, holder, wellFormedJson(firstReply), expiresAt], settleBound)
          : shared.database.query(releaseStatement, [key, holder, expiresAt], settleBound);
        // A claim whose statement failed or was cut off may still have landed: its holder settles
        // it all the same, and a failure then says nothing the "unavailable" warning did not.
        await (shared.kind === "unavailable" ? settled.catch(() => []) : settled);
      },
    };
  }

  /**
   * Takes the claim in the database, or waits for the reply of the request that holds it.
   * `unavailable`: the claim statement did not answer within its bound or failed (it may have
   * landed, or not: the code is sent, guarded by memory, and settled all the same). A statement
   * past its bound is not cancelled: it runs on until the deadline, and if it comes back without
   * a row before the send starts, `heldElsewhere` says so. Once a claim statement has proved that
   * another request holds the claim, no later failure lets this one send: it is a repeat without
   * a reply ("Duplicate request in progress").
   */
  async function claimShared(
    db: Database,
    key: string,
    holder: string,
    expiresAt: number,
    deadline: number,
  ): Promise<
    | { kind: "first"; database: Database }
    | { kind: "repeat"; reply: TelephonyResponse | undefined }
    | { kind: "unavailable"; database: Database; heldElsewhere: () => boolean }
  > {
    // Each statement gets its own bound, and none outlives the request's deadline.
    const left = () => deadline - performance.now();
    const bound = () => ({
      timeoutMs: Math.max(1, Math.floor(Math.min(claimTimeoutMs ?? claimBoundMs(left()), left()))),
    });
    for (;;) {
      // Waited for within its bound; left to run until the deadline, its answer kept.
      const statement = db.query(claimStatement, [key, holder, expiresAt], { timeoutMs: Math.max(1, left()) });
      let landedHeld = false;
      statement.then(
        (claimed) => {
          landedHeld = claimed.length === 0;
        },
        () => {},
      );
      try {
        const claimed = await withinMs(bound().timeoutMs, () => statement);
        if (claimed.length > 0) return { kind: "first", database: db };
      } catch (error) {
        log("warn", "duplicate guard unavailable", { error: errorLineOf(error) });
        return { kind: "unavailable", database: db, heldElsewhere: () => landedHeld };
      }
      // Another request holds the claim: its reply, once it has one.
      try {
        const held = await heldReply(db, key, deadline, bound);
        if (held !== "released") return { kind: "repeat", reply: held };
      } catch (error) {
        log("warn", "duplicate claim's state unreadable", { error: errorLineOf(error) });
        return { kind: "repeat", reply: undefined };
      }
      // Released after a failure (nothing was sent): claim it again.
    }
  }

  /** The holder's reply; undefined when it has none before the deadline; "released" when the claim is gone. */
  async function heldReply(
    db: Database,
    key: string,
    deadline: number,
    bound: () => { timeoutMs: number },
  ): Promise<TelephonyResponse | undefined | "released"> {
    while (performance.now() + pollMs < deadline) {
      const [held] = await db.query<Held>(heldStatement, [key], bound());
      if (held === undefined || held.state === "released") return "released";
      if (held.state === "answered" || held.expired) return held.reply ?? undefined;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    return undefined;
  }

  return {
    claim,
    async deleteClaimsBefore(cutoff, deadline = Number.POSITIVE_INFINITY) {
      if (database === undefined) return { done: 0, complete: true };
      return deleteInBatches(database(), { table: "event_claims", column: "expires_at", before: cutoff, deadline });
    },
  };
}

/** A claim's key: the eventId's SHA-256, base64url (any eventId, one fixed-size key of 43 characters). */
export function eventKey(eventId: string): string {
  return createHash("sha256").update(eventId, "utf8").digest("base64url");
}

function untilDeadline<T>(work: Promise<T>, deadline: number): Promise<T | undefined> {
  return withinMs(deadline - performance.now(), () => work).catch(() => undefined);
}
