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
  /** The counters this code was counted in. */
  taken: CounterKey[];
  /** The counters already at their limit: the code was not counted there. */
  full: CounterKey[];
}

/**
 * Counters in this instance's memory: exact for one instance only (the local run without a
 * database, and tests of the guard's logic). A window's counters are dropped once it has ended.
 */
export function memoryRateCounters(now: () => number = Date.now): RateCounters {
  const counts = new Map<string, { windowStart: number; windowEnd: number; count: number }>();
  const id = ({ key, windowStart }: CounterKey) => `${key}@${windowStart}`;
  return {
    async take(keys) {
      const time = now();
      for (const [counter, { windowEnd }] of counts) if (windowEnd <= time) counts.delete(counter);
      const result: TakeResult = { taken: [], full: [] };
      for (const key of keys) {
        const counter = counts.get(id(key)) ?? { windowStart: key.windowStart, windowEnd: key.windowEnd, count: 0 };
        if (counter.count >= key.limit) {
          result.full.push(key);
          continue;
        }
        counter.count++;
        counts.set(id(key), counter);
        result.taken.push(key);
      }
      return result;
    },
    async giveBack(keys) {
      for (const key of keys) {
        const counter = counts.get(id(key));
        if (counter !== undefined && counter.count > 0) counter.count--;
      }
    },
  };
}
