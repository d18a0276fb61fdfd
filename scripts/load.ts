/** `npm run load`: a bounded load run on loopback (see bench/load-run.ts). */
import { runLoad } from "../bench/load-run.ts";

await runLoad();
