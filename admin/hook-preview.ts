import {
  channelLabelOf,
  judgeAnswer,
  previewRequest,
  randomOtpCode,
  sentLabelOf,
  verdictLine,
} from "../preview/okta-preview.ts";
import { maskPhoneNumber } from "../src/mapping/phone-number.ts";
import { ourHook } from "./hook-status.ts";
import { isOktaApiFailure } from "./okta-management.ts";
import { type AdminTools, type CommandOutcome, failed } from "./telephony-hooks.ts";

/** `npm run okta -- preview`: Okta's own preview, judged by Okta's contract. */

export interface PreviewOptions {
  hookUrl: string | undefined;
  phone: string;
  channel: "sms" | "voice";
  requestType: string;
}

/** Okta's own preview: Okta calls the deployed hook with a fresh request, and a real message goes out. */
export async function previewThroughOkta(
  tools: AdminTools,
  options: PreviewOptions,
  announce: (line: string) => void,
): Promise<CommandOutcome> {
  const hook = await ourHook(tools.hooks, options.hookUrl);
  if (typeof hook === "string") return failed(hook, {});
  const request = previewRequest({
    requestType: options.requestType,
    channel: options.channel,
    phoneNumber: options.phone,
    locale: "EN-US",
    otpCode: randomOtpCode(),
  });
  const sent = channelLabelOf(request.data.messageProfile.deliveryChannel);
  announce(
    `Okta calls "${hook.name}" (${hook.channel.config.uri}) now: a REAL ${sent} goes to ${maskPhoneNumber(options.phone.replace("+", ""))}.`,
  );
  const started = performance.now();
  let body: string;
  let httpStatus = 200;
  try {
    body = JSON.stringify(await tools.hooks.execute(hook.id as string, request));
  } catch (error) {
    // Okta answers 400 when the hook's answer breaks its contract: Okta would skip the hook.
    if (!isOktaApiFailure(error) || error.status !== 400) throw error;
    httpStatus = 400;
    body = JSON.stringify({ okta: error.errorSummary });
  }
  const durationMs = Math.round(performance.now() - started);
  const judgement = judgeAnswer({ httpStatus, durationMs, body });
  return {
    ok: judgement.verdict === "accept",
    text: [verdictLine(judgement, sentLabelOf(request), durationMs)],
    json: { hook: hook.id, verdict: judgement.verdict, explanation: judgement.explanation, durationMs, answer: body },
  };
}
