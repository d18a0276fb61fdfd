/** One day in milliseconds: retention is counted in days. */
export const dayMs = 24 * 60 * 60 * 1000;

/**
 * The retention sweep's cutoff: midnight UTC of the day `retentionDays` before `now`. The sweep
 * deletes whole days before it; the callback refuses statuses it would delete.
 */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  const time = now.getTime() - retentionDays * dayMs;
  return new Date(time - (time % dayMs));
}
