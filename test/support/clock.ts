import { vi } from "vitest";

/**
 * `TEST_CLOCK=04:42:42.042 npm test` runs the suite with the clock set to that time of day, today
 * (UTC; it advances as usual): every log line then carries those digits, and the leak check must
 * still find only real leaks. Today's date keeps this process in step with the emulator's.
 */
export function useTestClock(
  now = process.env.TEST_CLOCK === undefined
    ? undefined
    : new Date(`${new Date().toISOString().slice(0, 10)}T${process.env.TEST_CLOCK}Z`),
): void {
  if (now !== undefined) vi.useFakeTimers({ toFake: ["Date"], now, shouldAdvanceTime: true });
}

/**
 * Runs `work` with timeouts on a clock that moves only when the test moves it (`advance`): a bound
 * fires once the test has seen the work wait on it, however busy the machine, and work that must
 * finish within a bound has all the time it needs. Date and performance.now (the hook's budget)
 * stand still meanwhile (Date at the test clock's time, if any); timers still pending at the end
 * run then, so that what they hold (a slow statement) lands before the next test.
 */
export async function onTestTime<T>(work: (advance: (ms: number) => Promise<void>) => Promise<T>): Promise<T> {
  const testClock = vi.isFakeTimers();
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"], now: new Date() });
  try {
    return await work(async (ms) => {
      await vi.advanceTimersByTimeAsync(ms);
    });
  } finally {
    await vi.runOnlyPendingTimersAsync();
    const now = new Date();
    vi.useRealTimers();
    if (testClock) useTestClock(now);
  }
}
