import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { useTestClock } from "./support/clock.ts";
import { captureConsole, capturedLines } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { suiteSecrets } from "./support/secrets.ts";
import { findSensitive, forgetSensitive, markSensitive } from "./support/sensitive.ts";

// A worker runs its files one after another in one module graph (vitest.config.ts): each file's
// leak check reads the lines of that file alone, against the values this file registers and the
// suite's own secrets.
capturedLines.length = 0;
captureConsole();
forgetSensitive();
markSensitive(...suiteSecrets);

useTestClock();

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
