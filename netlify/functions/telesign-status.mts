/**
 * Delivery status of a code, at /.netlify/functions/telesign-status?referenceId=… (or ?eventId=…).
 * Send Okta's hook credential, or `Authorization: Bearer <token>` with one of STATUS_API_TOKENS.
 * Answers the stored record merged with Telesign's own status; never the code or a full number.
 */
import { loadConfig, parseStatusConfig } from "../../src/config.ts";
import { createTransactionStatus } from "../../src/handlers/telesign-status.ts";
import { netlifyTransactionStore } from "../../src/storage/transaction-store.ts";

const transactionStatus = createTransactionStatus({
  config: loadConfig(parseStatusConfig),
  transactions: netlifyTransactionStore,
});

export default (request: Request): Promise<Response> => transactionStatus(request);
