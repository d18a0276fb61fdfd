import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
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

/**
 * Hands a request to the functions' emulator on `port`, as Netlify's edge hands it to a function:
 * headers as they came (the Host too, so that a function sees the site's own URL), bodies streamed.
 */
export function forwardTo(port: number): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const body =
      request.method === "GET" || request.method === "HEAD" ? undefined : Buffer.from(await request.arrayBuffer());
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: "127.0.0.1",
          port,
          method: request.method,
          path: `${url.pathname}${url.search}`,
          headers: Object.fromEntries(request.headers),
        },
        (incoming) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const one of Array.isArray(value) ? value : [value ?? ""]) headers.append(name, one);
          }
          const empty = request.method === "HEAD" || [204, 304].includes(incoming.statusCode ?? 200);
          resolve(
            new Response(empty ? null : (Readable.toWeb(incoming) as ReadableStream), {
              status: incoming.statusCode,
              headers,
            }),
          );
        },
      );
      outgoing.once("error", reject);
      outgoing.end(body);
    });
  };
}
