import { setupServer } from "msw/node";

/** The one msw server: tests add the Telesign they need with `server.use(...)`. */
export const server = setupServer();
