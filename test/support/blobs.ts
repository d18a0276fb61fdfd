import type { Store } from "@netlify/blobs";
import { afterAll, beforeAll } from "vitest";
import { type LocalBlobs, startLocalBlobs } from "../../scripts/local-blobs.ts";

/**
 * Netlify's own local Blobs server (the real API) on loopback, one per test file.
 * `blobsStore()` gives a fresh, empty store on it for each test.
 */
export function useBlobsServer() {
  let blobs: LocalBlobs;
  let stores = 0;

  beforeAll(async () => {
    blobs = await startLocalBlobs();
  });
  afterAll(() => blobs?.stop());

  const namedStore = (name: string): Store => blobs.store(name);

  return {
    namedStore,
    blobsStore(): Store {
      stores += 1;
      return namedStore(`test-${stores}`);
    },
    /** The environment Netlify gives a function, for code that calls getStore() itself. */
    blobsContext: (): string => blobs.context,
  };
}
