import type { CounterKey } from "./rate-limits.ts";

/**
 * Where the guard counts codes. `take` counts one code in every counter still under its limit,
 * atomically per counter (two requests racing for a counter's last place never both get it), and
 * says which counters were full; the guard gives back what it took when the code is not sent
 * after all (another counter was full, the event was a repeat, a later rule refused it), so that
 * what counts is every code the guard let through.
 */
export interface RateCounters {
  /**
   * @param deadline the `performance.now()` time by which the guard needs the answer: past it the
   * guard stops waiting, but the promise should still settle with what was counted (a statement
   * cut off on the client may land on the server), so that a code not sent is given back.
   */
  take(keys: CounterKey[], deadline: number): Promise<TakeResult>;
  /** Uncounts codes `take` counted. */
  giveBack(keys: CounterKey[]): Promise<void>;
}

export interface TakeResult {
  /** The counters this code was counted in, each with its count now (this code included). */
  taken: TakenCounter[];
  /**
   * The counters already at their limit: the code was not counted there. A counter in neither list
   * was not counted either: a take may count nothing once it knows one counter is full.
   */
  full: CounterKey[];
}

/** A counter a code was counted in, and its count with that code. */
export interface TakenCounter extends CounterKey {
  hits: number;
}

/** Counters in memory, which can also say which are full and take in what shared counters said. */
export interface MemoryRateCounters extends RateCounters {
  /** The counters of `keys` at their limit by this instance's count. */
  full(keys: CounterKey[]): CounterKey[];
  /**
   * What shared counters answered (a counter they found full counts as its limit). An answer in
   * time is the truth now: each counter takes its count, lower or higher. A late one is a count of
   * the past: each counter is only raised to it, never lowered.
   */
  saw(result: TakeResult, inTime: boolean): void;
  /** How many counters are remembered. */
  readonly size: number;
}

/** Counters an instance remembers at most: a few MB, whatever the traffic. */
const maxRemembered = 10_000;

/**
 * Counters in this instance's memory, at most `max` of them (the least recently used go first),
 * each forgotten once its window has ended. On their own they are exact for one instance only (the
 * local run without a database, and tests of the guard's logic); beside shared counters they are
 * the instance's memory of them: `saw` keeps what the shared ones answered, so that a take counted
 * here while they are slow refuses a counter they last said was full, and starts the others from
 * what they last said, not from zero.
 */
export function memoryRateCounters({ max = maxRemembered, now = Date.now } = {}): MemoryRateCounters {
  const counts = new Map<string, { hits: number; windowEnd: number }>();
  const id = ({ key, windowStart }: CounterKey) => `${key}@${windowStart}`;

  /** The counter's count, or 0 once its window has ended (or never seen). */
  function hitsOf(key: CounterKey): number {
    const counter = counts.get(id(key));
    if (counter === undefined) return 0;
    if (counter.windowEnd <= now()) {
      counts.delete(id(key));
      return 0;
    }
    return counter.hits;
  }

  /** Sets a counter's count and makes it the most recently used; the least recently used go past `max`. */
  function remember(key: CounterKey, hits: number) {
    counts.delete(id(key));
    if (key.windowEnd <= now()) return;
    counts.set(id(key), { hits, windowEnd: key.windowEnd });
    for (const oldest of counts.keys()) {
      if (counts.size <= max) break;
      counts.delete(oldest);
    }
  }

  function full(keys: CounterKey[]): CounterKey[] {
    return keys.filter((key) => {
      const hits = hitsOf(key);
      if (hits < key.limit) return false;
      remember(key, hits); // a counter in use stays remembered
      return true;
    });
  }

  return {
    full,
    /** Counts nothing when a counter is full: the code is refused, nothing is to be given back. */
    async take(keys) {
      const found = full(keys);
      if (found.length > 0) return { taken: [], full: found };
      const taken = keys.map((key) => ({ ...key, hits: hitsOf(key) + 1 }));
      for (const key of taken) remember(key, key.hits);
      return { taken, full: [] };
    },
    async giveBack(keys) {
      for (const key of keys) {
        const hits = hitsOf(key);
        if (hits > 0) remember(key, hits - 1);
      }
    },
    saw(result: TakeResult, inTime: boolean) {
      const known = (key: CounterKey, hits: number) => remember(key, inTime ? hits : Math.max(hitsOf(key), hits));
      for (const key of result.taken) known(key, key.hits);
      for (const key of result.full) known(key, key.limit);
    },
    get size() {
      return counts.size;
    },
  };
}
