import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previewRequest, sendPreview, statusUrlOf, waitForFinalStatus } from "../preview/okta-preview.ts";
import { type LocalStack, startLocalStack } from "../tools/local-stack.ts";
import { freePort } from "../tools/ports.ts";
import { projectRoot } from "../tools/project-root.mjs";
import { capturedLines } from "./support/log-capture.ts";
import { markSensitive } from "./support/sensitive.ts";

/**
 * End to end on loopback: Netlify's own emulation serves the function, which sends to the
 * Telesign simulator over real HTTP; requests are built and judged as Okta's Preview would.
 */

const timeoutMs = 1_500;
let stack: LocalStack;

beforeAll(async () => {
  const port = await freePort();
  stack = await startLocalStack({
    port,
    env: { TELESIGN_TIMEOUT_MS: String(timeoutMs) },
    simulator: { deliveryDelayMs: 300, callbackUrl: `http://127.0.0.1:${port}/.netlify/functions/telesign-callback` },
    // The emulator's output (the function's logs) joins the suite-wide leak check.
    onOutput: (line) => capturedLines.push(line),
  });
  markSensitive(stack.secret);
}, 90_000);

afterAll(() => stack?.stop());

function preview(phoneNumber: string, channel: "sms" | "voice" = "sms") {
  const otpCode = "604213";
  markSensitive(otpCode, phoneNumber.slice(1));
  const request = previewRequest({
    requestType: "com.okta.user.telephony.mfa-verification",
    channel,
    phoneNumber,
    locale: "EN-US",
    otpCode,
  });
  return sendPreview(stack.url, request, { authHeader: { name: stack.headerName, value: stack.secret } });
}

/** The sources in a transaction's history once a callback is in it (or after 10 s). */
async function historySources(referenceId: string): Promise<string[]> {
  let sources: string[] = [];
  for (let attempt = 0; attempt < 50 && !sources.includes("callback"); attempt++) {
    const response = await fetch(`${statusUrlOf(stack.url)}?referenceId=${referenceId}`, {
      headers: { [stack.headerName]: stack.secret },
    });
    sources = ((await response.json()) as { history: { source: string }[] }).history.map((entry) => entry.source);
    if (!sources.includes("callback")) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return sources;
}

describe("the local stack", () => {
  it("serves the site's pages with netlify.toml's headers, the console off without its variables", async () => {
    const page = await fetch(`${stack.siteUrl}/console/`);
    await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'self';.*frame-ancestors 'none'/);
    expect(page.headers.get("access-control-allow-origin")).toBeNull();
    const session = await fetch(`${stack.siteUrl}/console/api/session`);
    await session.text();
    expect(session.status).toBe(404);
  });

  it("passes `npm run preview -- --all`: one verdict per request, then the total", async () => {
    markSensitive("731904");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/preview.ts", "--all", "--url", stack.url, "--auth", stack.secret, "--otp", "731904"],
      { cwd: projectRoot, timeout: 60_000 },
    );
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(9);
    for (const line of lines.slice(0, 8)) expect(line).toMatch(/^✅ ACCEPT /);
    expect(lines[8]).toBe("8 requests: 8 ACCEPT");
  }, 90_000);

  it("delivers an SMS over real HTTP, exactly as mapped", async () => {
    const exchange = await preview("+1 (555) 555-0142");
    expect(exchange.verdict).toBe("accept");
    const body = JSON.parse(exchange.body);
    const message = stack.telesign.simulator.messages.get(body.commands[0].value[0].transactionId);
    expect(message).toMatchObject({ channel: "sms", phoneNumber: "15555550142", content: "(HOOK)Your code is 604213" });
  });

  it("closes the loop: send, Telesign's signed callback, then the status endpoint", async () => {
    for (const [ending, final] of [
      ["0100", { code: 3000, okta: "SUCCESSFUL" }],
      ["3031", { code: 3031, okta: "FAILED" }],
    ] as const) {
      const exchange = await preview(`+1555555${ending}`);
      const referenceId = JSON.parse(exchange.body).commands[0].value[0].transactionId;
      const seen: number[] = [];
      const status = await waitForFinalStatus(statusUrlOf(stack.url), referenceId, {
        authHeader: { name: stack.headerName, value: stack.secret },
        timeoutMs: 20_000,
        intervalMs: 200,
        onChange: (change) => seen.push(change.code),
      });
      expect(status).toMatchObject(final);
      expect(seen.at(-1)).toBe(final.code);
      // Telesign's get-status may tell first; the signed callback must land in the record too.
      expect(await historySources(referenceId)).toContain("callback");
    }
  }, 60_000);

  it("delivers a voice call", async () => {
    const exchange = await preview("+33 1 23 45 67 89", "voice");
    expect(exchange.verdict).toBe("accept");
    const body = JSON.parse(exchange.body);
    expect(stack.telesign.simulator.messages.get(body.commands[0].value[0].transactionId)).toMatchObject({
      channel: "voice",
      content: "604213",
      language: "en",
    });
  });

  it.each([
    ["3101", "3101"],
    ["3204", "3204"],
    ["3500", "3500"],
    ["0502", "Message provider error"],
    ["0413", "Message provider error"],
    ["0200", "Message provider error"],
    ["0408", "Message provider timed out"],
  ])("answers a number ending %s with the error %j, inside Okta's deadline", async (ending, errorSummary) => {
    const exchange = await preview(`+1555555${ending}`);
    expect(exchange.checks.every((check) => check.ok)).toBe(true);
    expect(exchange.verdict).toBe("fall back");
    expect(JSON.parse(exchange.body).error.errorSummary).toBe(errorSummary);
  });

  it("answers a hanging Telesign within the budget", async () => {
    // The simulator hangs for 30 s, or until the hook aborts: "timed out" is the deadline's answer,
    // given while Telesign's step had not resolved (the benchmark measures how precisely it fires).
    const exchange = await preview("+15555550408");
    expect(JSON.parse(exchange.body).error.errorSummary).toBe("Message provider timed out");
  });

  it("refuses a request without the secret, and Okta would skip the hook", async () => {
    const before = stack.telesign.simulator.received.length;
    const request = previewRequest({
      requestType: "com.okta.user.telephony.mfa-verification",
      channel: "sms",
      phoneNumber: "+15555550100",
      locale: "EN-US",
      otpCode: "604213",
    });
    const exchange = await sendPreview(stack.url, request, { authHeader: { name: "authorization", value: "wrong" } });
    expect(exchange.httpStatus).toBe(401);
    expect(exchange.verdict).toBe("skip");
    expect(stack.telesign.simulator.received.length).toBe(before);
  });
});
