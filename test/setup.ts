import { afterAll, afterEach, beforeAll, expect, vi } from "vitest";
import { captureConsole, capturedLines } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { findSensitive } from "./support/sensitive.ts";

// A worker runs its files one after another in one module graph (vitest.config.ts): each file's
// leak check reads the lines of that file alone.
capturedLines.length = 0;
captureConsole();

// `TEST_CLOCK=04:42:42.042 npm test` runs the suite with the clock set to that time of day, today
// (UTC; it advances as usual): every log line then carries those digits, and the leak check must
// still find only real leaks. Today's date keeps this process in step with the emulator's.
if (process.env.TEST_CLOCK !== undefined) {
  const now = new Date(`${new Date().toISOString().slice(0, 10)}T${process.env.TEST_CLOCK}Z`);
  vi.useFakeTimers({ toFake: ["Date"], now, shouldAdvanceTime: true });
}

const loopback = new Set(["127.0.0.1", "localhost", "[::1]"]);

// Everything but loopback (the local stack's own servers) must be answered by a handler.
beforeAll(() =>
  server.listen({
    onUnhandledRequest: (request, print) => {
      if (!loopback.has(new URL(request.url).hostname)) print.error();
    },
  }),
);
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  // Whatever a test file did, nothing it logged may carry a code, a message text, a phone number or a secret.
  const leaks = capturedLines.flatMap((line) => findSensitive(line).map((value) => `${value} in ${line}`));
  expect(leaks).toEqual([]);
});
