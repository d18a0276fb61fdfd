/**
 * A costly read, shared: callers asking for the same key while it runs get the same answer, and so
 * do those asking within `keepMs` of its start. Per instance and in memory; a failed read is not
 * kept, so the next caller asks again. The health figures of a period are read this way: a
 * helpdesk reloading the page, or several agents on it, cost one query a minute.
 */
export function sharedReads<T>(now: () => Date, keepMs: number) {
  const reads = new Map<string, { startedAt: number; answer: Promise<T> }>();
  return (key: string, read: () => Promise<T>): Promise<T> => {
    const at = now().getTime();
    for (const [kept, { startedAt }] of reads) {
      if (at - startedAt >= keepMs || at < startedAt) reads.delete(kept);
    }
    const kept = reads.get(key);
    if (kept !== undefined) return kept.answer;
    const answer = read();
    reads.set(key, { startedAt: at, answer });
    answer.catch(() => {
      if (reads.get(key)?.answer === answer) reads.delete(key);
    });
    return answer;
  };
}
