/** One hour in milliseconds: rate-limit windows and the console's charts are counted in hours. */
export const hourMs = 60 * 60 * 1000;

/** One day in milliseconds: retention is counted in days. */
export const dayMs = 24 * hourMs;

/**
 * The retention sweep's cutoff: midnight UTC of the day `retentionDays` before `now`. The sweep
 * deletes whole days before it; the callback refuses statuses it would delete.
 */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  const time = now.getTime() - retentionDays * dayMs;
  return new Date(time - (time % dayMs));
}
