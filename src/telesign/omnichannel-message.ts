import * as z from "zod/mini";

/** The body of Telesign's `POST /v1/omnichannel`, as far as this hook uses it. */
export interface OmnichannelMessage {
  channels: [{ channel: "sms" | "voice" }];
  recipient: { phone_number: string };
  message: /** The text in both places Telesign reads it: Telesign's Okta guide uses `default`, its SDK tests `sms`. */
    | { sms: { template: "text"; parameters: { text: string } }; default: { parameters: { text: string } } }
    | { voice: { template: "otp_voice"; parameters: { otp_code: string; language: string } } };
  message_type: "OTP";
  external_id?: string;
  sender_id?: string;
  /** The end user's public IP address: Telesign weighs it against fraud. */
  originating_ip?: string;
}

/** Telesign's answer to a send or a status request: it always carries `status.code`. */
export const telesignAnswerSchema = z.object({
  reference_id: z.optional(z.string()),
  external_id: z.nullish(z.string()),
  status: z.object({
    code: z.number().check(z.multipleOf(1)),
    description: z._default(z.string(), ""),
    last_channel: z.optional(z.string()),
    updated_on: z.optional(z.string()),
  }),
});

export type TelesignAnswer = z.infer<typeof telesignAnswerSchema> & { httpStatus: number };
