import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { captureConsole, capturedLines } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { findSensitive } from "./support/sensitive.ts";

captureConsole();

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  // Whatever a test file did, nothing it logged may carry a code, a message text, a phone number or a secret.
  const leaks = capturedLines.flatMap((line) => findSensitive(line).map((value) => `${value} in ${line}`));
  expect(leaks).toEqual([]);
});
