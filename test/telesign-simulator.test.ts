import { describe, expect, it } from "vitest";
import { TelesignSimulator } from "../simulator/telesign-simulator.ts";
import { authenticationHeaders, basicAuthorization } from "../src/telesign/request-signing.ts";
import { apiKey, customerId } from "./support/hook.ts";

const credential = { customerId, apiKey };
const base = "https://rest-ww.telesign.com";

const smsMessage = {
  channels: [{ channel: "sms" }],
  recipient: { phone_number: "15555551212" },
  message: { sms: { template: "text" }, default: { parameters: { text: "Your code is 620194" } } },
  message_type: "OTP",
};

function send(simulator: TelesignSimulator, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return simulator.handle(
    new Request(`${base}/v1/omnichannel`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basicAuthorization(credential), ...headers },
      body: text,
    }),
  );
}

async function answer(response: Promise<Response>): Promise<Record<string, any>> {
  const received = await response;
  return { httpStatus: received.status, ...((await received.json()) as object) };
}

describe("the Telesign simulator", () => {
  it("accepts a valid message with a 32-hex reference id and keeps it for status requests", async () => {
    const inbox: string[] = [];
    const simulator = new TelesignSimulator({ ...credential, onMessage: (message) => inbox.push(message.content) });
    const accepted = await answer(send(simulator, { ...smsMessage, external_id: "evt-1" }));
    expect(accepted).toEqual({
      httpStatus: 200,
      reference_id: expect.stringMatching(/^[0-9A-F]{32}$/),
      status: { code: 3001, description: "Message in progress" },
      external_id: "evt-1",
    });
    expect(inbox).toEqual(["Your code is 620194"]);

    const status = await answer(
      simulator.handle(
        new Request(`${base}/v1/omnichannel/${accepted.reference_id}`, {
          headers: authenticationHeaders("digest", credential, {
            method: "GET",
            path: `/v1/omnichannel/${accepted.reference_id}`,
            contentType: "",
          }),
        }),
      ),
    );
    expect(status).toMatchObject({
      httpStatus: 200,
      reference_id: accepted.reference_id,
      external_id: "evt-1",
      status: { code: 3000, description: "Delivered", last_channel: "sms" },
      channel_status: [{ sms: { code: 3000, description: "Delivered" } }],
    });
  });

  it.each([
    ["no credentials", {}],
    ["a wrong API key", { authorization: basicAuthorization({ customerId, apiKey: "d3Jvbmc=" }) }],
    ["another customer", { authorization: basicAuthorization({ customerId: "other", apiKey }) }],
    ["a digest without its headers", { authorization: `TSA ${customerId}:abc` }],
  ])("refuses %s with 3400", async (_, headers) => {
    const simulator = new TelesignSimulator(credential);
    const request = new Request(`${base}/v1/omnichannel`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(smsMessage),
    });
    expect(await answer(simulator.handle(request))).toEqual({
      httpStatus: 401,
      status: { code: 3400, description: "Not authorized" },
      external_id: null,
    });
  });

  it("refuses a digest signed over another body", async () => {
    const simulator = new TelesignSimulator(credential);
    const signedBody = JSON.stringify(smsMessage);
    const headers = authenticationHeaders("digest", credential, {
      method: "POST",
      path: "/v1/omnichannel",
      contentType: "application/json",
      body: signedBody,
    });
    const altered = signedBody.replace("620194", "620195");
    expect((await answer(send(simulator, altered, headers))).status.code).toBe(3400);
    expect((await answer(send(simulator, signedBody, headers))).status.code).toBe(3001);
  });

  it.each([
    ["not JSON", "{", 400, 3110],
    ["without channels", { ...smsMessage, channels: undefined }, 400, 3300],
    ["without recipient", { ...smsMessage, recipient: undefined }, 400, 3300],
    ["with an unknown channel", { ...smsMessage, channels: [{ channel: "pigeon" }] }, 400, 3113],
    ["with two channels", { ...smsMessage, channels: [{ channel: "sms" }, { channel: "voice" }] }, 400, 3202],
    ["with a bad message type", { ...smsMessage, message_type: "SPAM" }, 400, 3102],
    ["with a formatted phone number", { ...smsMessage, recipient: { phone_number: "+1 555 555 1212" } }, 400, 3101],
    ["with a too long external id", { ...smsMessage, external_id: "x".repeat(101) }, 400, 3103],
    ["with a callback URL", { ...smsMessage, callback_url: "https://example.com" }, 429, 3203],
    ["with the voice template on SMS", { ...smsMessage, message: { sms: { template: "otp_voice" } } }, 400, 3112],
    ["without text", { ...smsMessage, message: { sms: { template: "text" } } }, 400, 3306],
    ["with a sender id not allow-listed", { ...smsMessage, sender_id: "Acme" }, 400, 3109],
    [
      "voice without otp_code",
      {
        ...smsMessage,
        channels: [{ channel: "voice" }],
        message: { voice: { template: "otp_voice", parameters: {} } },
      },
      400,
      3306,
    ],
    ["over 10 KB", { ...smsMessage, padding: "x".repeat(10 * 1024) }, 413, 3116],
  ])("answers a message %s with HTTP %i and code %i", async (_, body, httpStatus, code) => {
    const simulator = new TelesignSimulator(credential);
    const received = await answer(send(simulator, body));
    expect(received).toMatchObject({ httpStatus, status: { code } });
    expect(simulator.messages.size).toBe(0);
  });

  it.each([
    ["not 32 hex digits", "not-a-reference", 400, 3311],
    ["unknown or expired", "0123456789ABCDEF0123456789ABCDEF", 404, -10004],
  ])(
    "answers a status request for a reference id %s with HTTP %i and code %i",
    async (_, referenceId, httpStatus, code) => {
      const simulator = new TelesignSimulator(credential);
      const request = new Request(`${base}/v1/omnichannel/${referenceId}`, {
        headers: { authorization: basicAuthorization(credential) },
      });
      expect(await answer(simulator.handle(request))).toMatchObject({ httpStatus, status: { code } });
    },
  );

  it("reports the final failure of a number ending 3031", async () => {
    const simulator = new TelesignSimulator(credential);
    const accepted = await answer(send(simulator, { ...smsMessage, recipient: { phone_number: "15555553031" } }));
    expect(accepted.status.code).toBe(3001);
    expect(simulator.messages.get(accepted.reference_id)?.history.map((entry) => entry.code)).toEqual([3001, 3031]);
  });
});
