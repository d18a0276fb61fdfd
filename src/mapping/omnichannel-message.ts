import type { TelephonyRequest } from "../okta/telephony-request.ts";
import type { OmnichannelMessage } from "../telesign/omnichannel-message.ts";
import { voiceLanguage } from "./voice-language.ts";

/** Okta's telephony request as the Telesign Messaging request that delivers it. Pure. */
export function omnichannelMessage(
  request: TelephonyRequest,
  options: { smsSenderId?: string } = {},
): OmnichannelMessage {
  const { delivery } = request;
  const message: OmnichannelMessage =
    delivery.channel === "sms"
      ? {
          channels: [{ channel: "sms" }],
          recipient: { phone_number: delivery.phoneNumber },
          message: { sms: { template: "text" }, default: { parameters: { text: delivery.text } } },
          message_type: "OTP",
        }
      : {
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
  if (request.eventId !== undefined && isExternalId(request.eventId)) message.external_id = request.eventId;
  if (delivery.channel === "sms" && options.smsSenderId !== undefined) message.sender_id = options.smsSenderId;
  return message;
}

/** Telesign takes at most 100 ASCII characters; a longer or stranger id is left out rather than fail the send. */
function isExternalId(eventId: string): boolean {
  return /^[\x20-\x7e]{1,100}$/.test(eventId);
}
