/** `npm run preview`: Okta's Preview tab from a terminal (see preview/preview-command.ts). */
import { runPreview } from "../preview/preview-command.ts";

await runPreview();
