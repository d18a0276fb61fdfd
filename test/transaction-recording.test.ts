import { describe, expect, it } from "vitest";
import { blobsTransactionStore, type TransactionStore } from "../src/storage/transaction-store.ts";
import { useBlobsServer } from "./support/blobs.ts";
import { startHook } from "./support/hook.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { oktaRequest } from "./support/okta-requests.ts";

const { blobsStore } = useBlobsServer();

describe("the hook's transaction records", () => {
  it("records each accepted message after answering, with the masked phone and no code", async () => {
    const store = blobsStore();
    const transactions = blobsTransactionStore(store);
    const hook = startHook({}, {}, { transactions: () => transactions });
    const { json } = await hook.call(
      oktaRequest({
        deliveryChannel: "voice",
        otpCode: "317045",
        msgTemplate: "Your code is 317045",
        phoneNumber: "+44 20 7946 0958",
      }),
    );
    expect(hook.afterResponse).toHaveLength(1);
    await Promise.all(hook.afterResponse);

    const referenceId = json.commands[0].value[0].transactionId;
    expect(await transactions.get(referenceId)).toMatchObject({
      referenceId,
      eventId: "uS5871kJThSsU8qlA1LTcg",
      oktaRequestId: "reqRgSk8IBBRhuo0YdlEDTmUw",
      requestType: "com.okta.user.telephony.pre-enrollment",
      channel: "voice",
      phone: "+44******0958",
      history: [{ code: 3001, description: "Message in progress", source: "send" }],
    });
    const stored = await Promise.all((await store.list()).blobs.map(({ key }) => store.get(key)));
    expect(JSON.stringify(stored)).not.toMatch(/317045|442079460958|Your code/);
  });

  it("records nothing for a message Telesign refused", async () => {
    const store = blobsStore();
    const hook = startHook({}, {}, { transactions: () => blobsTransactionStore(store) });
    await hook.call(oktaRequest({ phoneNumber: "+15555553101" }));
    await Promise.all(hook.afterResponse);
    expect((await store.list()).blobs).toEqual([]);
  });

  it("answers Okta the same when the store fails, and logs it", async () => {
    const failing = { recordSend: () => Promise.reject(new Error("store down")) } as unknown as TransactionStore;
    const hook = startHook({}, {}, { transactions: () => failing });
    const from = capturedLines.length;
    const { json } = await hook.call(oktaRequest());
    await Promise.all(hook.afterResponse);
    expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
    expect(logLinesSince(from)).toMatchObject([
      { message: "okta telephony request", outcome: "accepted" },
      { level: "error", message: "transaction record not written", error: "Error: store down" },
    ]);
  });

  it("answers Okta the same when there is no Blobs environment at all", async () => {
    const hook = startHook(
      {},
      {},
      {
        transactions: () => {
          throw new Error("MissingBlobsEnvironmentError");
        },
      },
    );
    const { json } = await hook.call(oktaRequest());
    await Promise.all(hook.afterResponse);
    expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
  });
});
