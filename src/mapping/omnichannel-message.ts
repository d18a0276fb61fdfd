import type { SmsText } from "../fraud/guard-config.ts";
import { smsTextToSend } from "../fraud/message-text.ts";
import type { TelephonyRequest } from "../okta/telephony-request.ts";
import type { OmnichannelMessage } from "../telesign/omnichannel-message.ts";
import { voiceLanguage } from "./voice-language.ts";

/** Okta's telephony request as the Telesign Messaging request that delivers it. Pure. */
export function omnichannelMessage(
  request: TelephonyRequest,
  options: { smsSenderId?: string; smsText?: SmsText } = {},
): OmnichannelMessage {
  const { delivery } = request;
  let message: OmnichannelMessage;
  if (delivery.channel === "sms") {
    const text = smsTextToSend(delivery, options.smsText ?? { mode: "okta" });
    message = {
      channels: [{ channel: "sms" }],
      recipient: { phone_number: delivery.phoneNumber },
      message: { sms: { template: "text", parameters: { text } }, default: { parameters: { text } } },
      message_type: "OTP",
    };
  } else {
    message = {
      channels: [{ channel: "voice" }],
      recipient: { phone_number: delivery.phoneNumber },
      message: {
        voice: {
          template: "otp_voice",
          parameters: { otp_code: delivery.otpCode, language: voiceLanguage(request.locale) },
        },
      },
      message_type: "OTP",
    };
  }
  if (request.eventId !== undefined && isExternalId(request.eventId)) message.external_id = request.eventId;
  if (delivery.channel === "sms" && options.smsSenderId !== undefined) message.sender_id = options.smsSenderId;
  if (request.endUserIp !== undefined) message.originating_ip = request.endUserIp;
  return message;
}

/** Telesign takes at most 100 ASCII characters; a longer or stranger id is left out rather than fail the send. */
function isExternalId(eventId: string): boolean {
  return /^[\x20-\x7e]{1,100}$/.test(eventId);
}
