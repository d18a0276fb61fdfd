import { describe, expect, it } from "vitest";
import { basicValid, digestedText, digestValid, telesignSignature } from "../simulator/telesign-signatures.ts";
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

// The simulator's own signature check, proved against the vectors of Telesign's SDK tests: the hook's
// signing code is tested against these too, so neither can mirror the other's mistake.
describe("the simulator's signature check", () => {
  const account = { customerId: "FFFFFFFF-EEEE-DDDD-1234-AB1234567890", apiKey: "VGVzdCBLZXk=" };
  const signed = { date: "Wed, 14 Dec 2016 18:20:12 GMT", nonce: "A1592C6F-E384-4CDB-BC42-C3AB970369E9" };
  const post = {
    ...signed,
    method: "POST",
    contentType: "application/x-www-form-urlencoded",
    body: "test=param",
    path: "/v1/resource",
  };
  const get = { ...signed, method: "GET", contentType: "", body: "", path: "/v1/resource" };
  const postDigest = "TSA FFFFFFFF-EEEE-DDDD-1234-AB1234567890:vXw/XzywdhgfEG2/zWLaFp7oXmjLB8iJDMndvDbZMjk=";
  const getDigest = "TSA FFFFFFFF-EEEE-DDDD-1234-AB1234567890:wscyrZZtA7kdXu0i4D5KXyDmBcwH52JF1feiEKp+ir0=";

  it("accepts Telesign's digest of a POST and of a GET", async () => {
    expect(await digestValid(postDigest, post, account)).toBe(true);
    expect(await digestValid(getDigest, get, account)).toBe(true);
  });

  it.each([
    ["another body", postDigest, { ...post, body: "test=other" }],
    ["another path", postDigest, { ...post, path: "/v1/other" }],
    ["another date", postDigest, { ...post, date: "Wed, 14 Dec 2016 18:20:13 GMT" }],
    ["another nonce", getDigest, { ...get, nonce: "B1592C6F-E384-4CDB-BC42-C3AB970369E9" }],
    ["a GET's digest for a POST", getDigest, post],
    ["another customer", postDigest.replace("FFFFFFFF", "EEEEEEEE"), post],
    ["the signature in base64url", postDigest.replace("/", "_"), post],
    ["a lower-case scheme", postDigest.replace("TSA", "tsa"), post],
  ])("refuses a digest over %s", async (_, authorization, request) => {
    expect(await digestValid(authorization, request, account)).toBe(false);
  });

  it("accepts Basic as Telesign's SDK builds it, and nothing like it", () => {
    const basic = "Basic RkZGRkZGRkYtRUVFRS1ERERELTEyMzQtQUIxMjM0NTY3ODkwOlZHVnpkQ0JMWlhrPQ==";
    expect(basicValid(basic, account)).toBe(true);
    expect(basicValid(basic, { ...account, apiKey: "d3Jvbmc=" })).toBe(false);
    expect(basicValid(basic.replace("==", ""), account)).toBe(false);
    expect(basicValid(`${basic} extra`, account)).toBe(false);
  });

  it("signs a callback body with the base64-decoded API key", async () => {
    // HMAC-SHA256(key = "Test Key", "test=param"), computed independently.
    expect(await telesignSignature(account.apiKey, "test=param")).toBe("9tZAfQ2g6Dkftb00yxnV2+VscXXqZE/H3raRc1HDneY=");
  });

  it("builds the text to sign with the body line only when there is a body", () => {
    expect(digestedText(get)).toBe(
      ["GET", "", signed.date, "x-ts-auth-method:HMAC-SHA256", `x-ts-nonce:${signed.nonce}`, "/v1/resource"].join("\n"),
    );
  });
});
