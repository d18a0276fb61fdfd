/**
 * `npm start` and `npm run start:live`: the hook on Netlify's local emulation, with the Telesign
 * simulator or through the real Telesign (see admin/start-command.ts).
 */
import { runStart } from "../admin/start-command.ts";

await runStart();
