/**
 * Netlify's local database emulation in a process of its own (migrated, in memory), so that the
 * statements of several hook processes are answered by a process that does nothing else. Sends
 * `{ url }` over IPC once listening; stops on `{ stop: true }` or when its parent goes.
 */
import { startLocalDatabase } from "../../tools/local-database.ts";

const database = await startLocalDatabase();
process.send?.({ url: database.url });
const stop = async () => {
  await database.stop();
  process.exit(0);
};
process.on("message", (message: { stop?: true }) => {
  if (message.stop) void stop();
});
process.on("disconnect", () => void stop());
