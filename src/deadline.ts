/** The work did not settle in the time it was given. */
export class DeadlineExceeded extends Error {
  override name = "DeadlineExceeded";
}

/**
 * Runs `work` with a signal that aborts after `ms`, and settles no later than then even if the
 * work (or its transport) ignores the signal. The timer is cleared as soon as the work settles:
 * a plain AbortController and setTimeout, much lighter than AbortSignal.timeout on the hot path.
 */
export async function withinMs<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const exceeded = new DeadlineExceeded(`no answer within ${ms} ms`);
        controller.abort(exceeded);
        reject(exceeded);
      },
      Math.max(0, Math.floor(ms)),
    );
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
