/** One day in milliseconds: retention is counted in days. */
export const dayMs = 24 * 60 * 60 * 1000;
