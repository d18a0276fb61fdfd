import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { getStore, type Store } from "@netlify/blobs";
import { BlobsServer } from "@netlify/blobs/server";
import { afterAll, beforeAll } from "vitest";

/**
 * Netlify's own local Blobs server (the real API) on loopback, one per test file.
 * `blobsStore()` gives a fresh, empty store on it for each test.
 */
export function useBlobsServer() {
  const token = "local-blobs-token";
  let server: BlobsServer;
  let directory: string;
  let url: string;
  let stores = 0;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "blobs-"));
    server = new BlobsServer({ directory, token, logger: () => {} });
    const { port } = await server.start();
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await server?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  const namedStore = (name: string): Store =>
    getStore({ name, siteID: "local-site", token, edgeURL: url, uncachedEdgeURL: url, consistency: "strong" });

  return {
    namedStore,
    blobsStore(): Store {
      stores += 1;
      return namedStore(`test-${stores}`);
    },
    /** The environment Netlify gives a function, for code that calls getStore() itself. */
    blobsContext(): string {
      return Buffer.from(JSON.stringify({ edgeURL: url, uncachedEdgeURL: url, siteID: "local-site", token })).toString(
        "base64",
      );
    },
  };
}
