/**
 * The floor: the least any telephony hook can do. It parses Okta's JSON, forwards one fixed
 * Telesign body to the same fake Telesign, and returns one fixed Okta success. No validation,
 * no authentication, no mapping, no logs. The benchmark measures the hook against it.
 */

const telesignBody = JSON.stringify({
  channels: [{ channel: "sms" }],
  recipient: { phone_number: "15555550100" },
  message: { sms: { template: "text" }, default: { parameters: { text: "Your code is 123456" } } },
  message_type: "OTP",
});

const success = {
  commands: [
    {
      type: "com.okta.telephony.action",
      value: [{ status: "SUCCESSFUL", provider: "Telesign", transactionId: "", transactionMetadata: "" }],
    },
  ],
};

export default async (request: Request): Promise<Response> => {
  await request.json();
  const answer = await fetch(`${process.env.TELESIGN_API_URL}/v1/omnichannel`, {
    method: "POST",
    headers: { authorization: process.env.FLOOR_TELESIGN_AUTHORIZATION ?? "", "content-type": "application/json" },
    body: telesignBody,
  });
  await answer.text();
  return Response.json(success);
};
