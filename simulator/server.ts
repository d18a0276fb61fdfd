import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { TelesignSimulator, type TelesignSimulatorOptions } from "./telesign-simulator.ts";

export interface SimulatorServer {
  /** Base URL to use as TELESIGN_API_URL. */
  url: string;
  simulator: TelesignSimulator;
  close(): Promise<void>;
}

/** Serves the Telesign simulator over HTTP on loopback (port 0: any free port). */
export function serveTelesignSimulator(
  options: TelesignSimulatorOptions & { port?: number },
): Promise<SimulatorServer> {
  const simulator = new TelesignSimulator(options);
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: (request: Request) => simulator.handle(request),
        hostname: "127.0.0.1",
        port: options.port ?? 0,
        // Leave the global Request and Response alone: the rest of the process uses them too.
        overrideGlobalObjects: false,
      },
      (address: AddressInfo) =>
        resolve({
          url: `http://127.0.0.1:${address.port}`,
          simulator,
          close: () =>
            new Promise<void>((done) => {
              simulator.close();
              server.close(() => done());
              if ("closeAllConnections" in server) server.closeAllConnections();
            }),
        }),
    );
    server.once("error", reject);
  });
}
