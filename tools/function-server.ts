/**
 * Serves one Netlify function file over HTTP on loopback in a warm process, as one Netlify
 * instance runs it between requests (Netlify's own emulation starts a fresh worker for every
 * invocation: right for development, too slow to carry a load). Forked by `npm run load` and the
 * benchmark, which ask it for its memory over IPC.
 *
 * Usage: node --import tsx --expose-gc tools/function-server.ts <function file> <port>
 */
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";

type NetlifyFunction = (request: Request, context: unknown) => Promise<Response>;

const [file = "netlify/functions/telesign.mts", port = "0"] = process.argv.slice(2);
const { default: handler } = (await import(pathToFileURL(path.resolve(file)).href)) as { default: NetlifyFunction };

const pending = new Set<Promise<unknown>>();
const context = {
  waitUntil(work: Promise<unknown>) {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  },
};

const server = serve(
  {
    fetch: (request: Request) => handler(request, context),
    hostname: "127.0.0.1",
    port: Number(port),
    overrideGlobalObjects: false,
  },
  (address: AddressInfo) => process.send?.({ listening: address.port }),
);

process.on("message", async (message: { memory?: true; stop?: true }) => {
  if (message.memory) {
    await Promise.allSettled(pending);
    (globalThis as { gc?: () => void }).gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    process.send?.({ memory: { heapUsed, rss } });
  }
  if (message.stop) server.close(() => process.exit(0));
});
