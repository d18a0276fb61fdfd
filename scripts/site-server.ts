import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve } from "@hono/node-server";
import { HeadersHandler } from "@netlify/headers";
import { StaticHandler } from "@netlify/static";

/**
 * The site as Netlify serves it, on loopback: the static files of `public/` with the headers of
 * netlify.toml's [[headers]] (Netlify's own local handlers for both, as `netlify dev` uses them),
 * and every other request handed to `functions` (the functions' emulator, or a handler in
 * process in the tests).
 */

export interface SiteServer {
  url: string;
  close(): Promise<void>;
}

export interface SiteOptions {
  /** The project whose public/ and netlify.toml are served. */
  projectDir: string;
  port?: number;
  functions: (request: Request) => Promise<Response>;
}

export function serveSite({ projectDir, port = 0, functions }: SiteOptions): Promise<SiteServer> {
  const files = new StaticHandler({ directory: path.join(projectDir, "public") });
  const logger = { log: () => {}, warn: () => {}, error: (message: string) => console.error(message) };
  const headers = new HeadersHandler({
    configPath: path.join(projectDir, "netlify.toml"),
    projectDir,
    publishDir: "public",
    logger: logger as never,
  });
  const handle = async (request: Request): Promise<Response> => {
    const file = request.method === "GET" || request.method === "HEAD" ? await files.match(request) : undefined;
    if (file === undefined) return functions(request);
    const response = await file.handle();
    const served = new Response(response.body, response);
    await headers.apply(request, served);
    return served;
  };
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: handle, hostname: "127.0.0.1", port, overrideGlobalObjects: false },
      (address: AddressInfo) =>
        resolve({
          url: `http://127.0.0.1:${address.port}`,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              if ("closeAllConnections" in server) server.closeAllConnections();
            }),
        }),
    );
    server.once("error", reject);
  });
}

/** Hands a request to the functions' emulator at `baseUrl`, as Netlify's edge hands it to a function. */
export function forwardTo(baseUrl: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const target = new URL(`${url.pathname}${url.search}`, baseUrl);
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    const response = await fetch(target, {
      method: request.method,
      headers: request.headers,
      body,
      redirect: "manual",
    });
    return new Response(response.body, response);
  };
}
