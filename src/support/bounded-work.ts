/**
 * Work on many items by a few workers at once, stopping to take new items at a deadline. Each item
 * is independent and idempotent, so a run that stops early is resumed by the next one.
 */

export interface BoundedRun {
  /** Items whose work completed. */
  done: number;
  /** Whether every item was taken before the deadline. */
  complete: boolean;
}

/**
 * @param items pages of items (as Blobs' paginated `list` yields them), read as workers need them
 * @param deadline a `performance.now()` time after which no new item is started
 */
export async function forEachBounded<T>(
  items: AsyncIterable<T[]> | Iterable<T[]>,
  { concurrency, deadline }: { concurrency: number; deadline: number },
  work: (item: T) => Promise<boolean>,
): Promise<BoundedRun> {
  let done = 0;
  for await (const page of items) {
    if (performance.now() >= deadline) return { done, complete: false };
    let next = 0;
    const worker = async () => {
      while (next < page.length && performance.now() < deadline) {
        const item = page[next++] as T;
        if (await work(item)) done++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, worker));
    if (next < page.length) return { done, complete: false };
  }
  return { done, complete: true };
}
