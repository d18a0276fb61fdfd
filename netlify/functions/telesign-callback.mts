/**
 * Telesign's delivery-status callbacks, at /.netlify/functions/telesign-callback (the URL to give
 * Telesign support). Verifies the signature over the raw body with TELESIGN_API_KEY, then adds
 * the status to the transaction's record. 200 once stored; 401 for anything not signed by Telesign.
 */
import { loadConfig, parseCallbackConfig } from "../../src/config.ts";
import { createCallbackReceiver } from "../../src/handlers/telesign-callback.ts";
import { netlifyTransactionStore } from "../../src/storage/transaction-store.ts";

const receiveCallback = createCallbackReceiver({
  config: loadConfig(parseCallbackConfig),
  transactions: netlifyTransactionStore,
});

export default (request: Request): Promise<Response> => receiveCallback(request);
