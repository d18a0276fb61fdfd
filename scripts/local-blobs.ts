import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { getStore, type Store } from "@netlify/blobs";
import { BlobsServer } from "@netlify/blobs/server";

/** Netlify's own local Blobs server (the real API), on loopback, in a fresh folder. */
export interface LocalBlobs {
  url: string;
  /** A store on this server, as a function would get it; `latencyMs` is added to every call. */
  store(name: string, options?: { latencyMs?: number }): Store;
  /** NETLIFY_BLOBS_CONTEXT for a function that calls getStore() itself. */
  context: string;
  stop(): Promise<void>;
}

export async function startLocalBlobs(): Promise<LocalBlobs> {
  const token = "local-blobs-token";
  const siteID = "local-site";
  const directory = await mkdtemp(path.join(tmpdir(), "blobs-"));
  const server = new BlobsServer({ directory, token, logger: () => {} });
  const { port } = await server.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    store: (name, { latencyMs = 0 } = {}) =>
      getStore({
        name,
        siteID,
        token,
        edgeURL: url,
        uncachedEdgeURL: url,
        consistency: "strong",
        ...(latencyMs > 0 && {
          fetch: async (input: string | URL | Request, init?: RequestInit) => {
            await new Promise((resolve) => setTimeout(resolve, latencyMs));
            return fetch(input, init);
          },
        }),
      }),
    context: Buffer.from(JSON.stringify({ edgeURL: url, uncachedEdgeURL: url, siteID, token })).toString("base64"),
    async stop() {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
