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

/**
 * `work`, or `late()` if it has not settled after `ms`: no signal to abort with, so lighter than
 * withinMs where nothing can be cancelled (the hook's last safety net, on every request).
 */
export async function settledWithin<T>(ms: number, work: Promise<T>, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), Math.max(0, Math.floor(ms)));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
