/** `npm run deploy:check`: the deploy as Netlify performs it, on this machine (see tools/deploy-check.ts). */
import { runDeployCheck } from "../tools/deploy-check.ts";

await runDeployCheck();
