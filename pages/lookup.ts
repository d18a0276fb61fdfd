import { type CodeRecord, lookupLimit } from "../src/console/console-records.ts";
import { phoneShape } from "../src/console/phone-shape.ts";
import type { Verdict } from "../src/console/verdict.ts";
import { h, show } from "./dom.ts";
import { api, SignedOut, startPage, timeText, timeZone } from "./shell.ts";

/** The lookup page: what became of one user's codes, newest first, each with its verdict and timeline. */

type Code = CodeRecord & { verdict: Verdict };

interface Lookup {
  by: string;
  codes: Code[];
}

const kinds = [
  ["", "Anything (guess from what I type)"],
  ["user", "Okta login or user id"],
  ["phone", "Phone number (full, with country code)"],
  ["event", "Okta eventId"],
  ["reference", "Transaction id (System Log)"],
] as const;

const requestTypes: Record<string, string> = {
  "com.okta.user.telephony.pre-enrollment": "Enrollment",
  "com.okta.user.telephony.mfa-verification": "Sign-in",
  "com.okta.user.telephony.account-unlock": "Account unlock",
  "com.okta.user.telephony.password-reset": "Password reset",
};

const channels: Record<string, string> = { sms: "SMS", voice: "Voice call" };

startPage((main) => {
  const input = h("input", {
    id: "q",
    name: "q",
    type: "search",
    required: true,
    maxlength: 200,
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "q-help",
  });
  const by = h("select", { id: "by", name: "by" }, ...kinds.map(([value, label]) => h("option", { value }, label)));
  const status = h("p", { id: "status", role: "status", class: "status" });
  const results = h("div", { id: "results" });
  const form = h(
    "form",
    { class: "lookup", role: "search" },
    h("div", { class: "field grow" }, h("label", { for: "q" }, "Find a user's codes"), input),
    h("div", { class: "field" }, h("label", { for: "by" }, "Search by"), by),
    h("button", { type: "submit" }, "Look up"),
    h(
      "p",
      { id: "q-help", class: "help" },
      "An Okta login (ada@example.com) or user id (00u…), the full phone number, an eventId, or the transaction id Okta's System Log shows. Only masked numbers are ever shown.",
    ),
  );
  show(main, h("h1", {}, "Did this user get their code?"), form, status, results);

  const params = new URLSearchParams(location.search);
  input.value = params.get("q") ?? "";
  by.value = params.get("by") ?? "";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const asked = { q: input.value.trim(), by: by.value };
    // The page's address keeps a login, an eventId or a transaction id (to share or reload), never a phone number.
    const keep = asked.by !== "phone" && !phoneShape.test(asked.q);
    history.replaceState(null, "", keep ? `?${new URLSearchParams(asked)}` : location.pathname);
    void run(asked, status, results);
  });
  if (input.value !== "") void run({ q: input.value, by: by.value }, status, results);
  else input.focus();
});

async function run(asked: { q: string; by: string }, status: HTMLElement, results: HTMLElement) {
  status.textContent = "Looking up…";
  results.replaceChildren();
  let lookup: Lookup;
  try {
    lookup = await api<Lookup>("/console/api/lookup", asked);
  } catch (error) {
    if (!(error instanceof SignedOut)) status.textContent = (error as Error).message;
    return;
  }
  const count = lookup.codes.length;
  status.textContent =
    count === 0
      ? "No code found. Okta may not have called the hook (check Okta's System Log), or the records are older than they are kept."
      : count >= lookupLimit
        ? `The newest ${count} codes, newest first (search by phone, eventId or transaction id to narrow). Times in ${timeZone}.`
        : `${count} code${count === 1 ? "" : "s"} found, newest first. Times in ${timeZone}.`;
  show(results, h("ol", { class: "codes" }, ...lookup.codes.map(codeItem)));
}

function codeItem(code: Code): HTMLElement {
  const summary = summaryOf(code);
  const copied = h("span", { class: "copied", role: "status" });
  const copy = h("button", { type: "button", class: "quiet" }, "Copy summary");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(summary);
      copied.textContent = "Copied";
    } catch {
      copied.textContent = "Copy failed: select the summary below";
    }
  });
  const facts: [string, string | undefined][] = [
    ["When", timeText(code.requestedAt)],
    ["Request", code.requestType && (requestTypes[code.requestType] ?? code.requestType)],
    ["Channel", code.channel && channels[code.channel]],
    ["Country", code.country],
    ["Phone", code.phone],
    ["User", code.login ?? code.userId],
  ];
  return h(
    "li",
    { class: `code ${code.verdict.kind}` },
    h(
      "p",
      { class: "verdict" },
      h("span", { class: "badge" }, badges[code.verdict.kind]),
      h("span", { class: "verdict-text" }, code.verdict.text),
    ),
    h(
      "dl",
      { class: "facts" },
      ...facts.filter(([, value]) => value).flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
    ),
    h("ol", { class: "timeline", "aria-label": "Timeline" }, ...timelineOf(code)),
    h(
      "details",
      {},
      h("summary", {}, "Telesign's answer and ids"),
      h(
        "dl",
        { class: "facts" },
        ...telesignFacts(code).flatMap(([term, value]) => [h("dt", {}, term), h("dd", { class: "mono" }, value)]),
      ),
      h("pre", { class: "summary-text" }, summary),
    ),
    h("p", { class: "actions" }, copy, copied),
  );
}

const badges: Record<Verdict["kind"], string> = {
  delivered: "Delivered",
  pending: "Waiting",
  failed: "Failed",
  blocked: "Blocked",
  fallback: "Okta's provider",
};

function timelineOf(code: Code): HTMLElement[] {
  const step = (at: string, text: string) => h("li", {}, h("time", { datetime: at }, timeText(at)), text);
  const answered = new Date(Date.parse(code.requestedAt) + (code.hookDurationMs ?? 0)).toISOString();
  const took = code.hookDurationMs === undefined ? "" : ` (${code.hookDurationMs} ms)`;
  const steps = [
    step(code.requestedAt, `Okta asked the hook for a code by ${code.channel ? channels[code.channel] : "phone"}`),
  ];
  if (code.outcome === "accepted")
    steps.push(step(answered, `Telesign accepted the message; the hook answered Okta${took}`));
  else if (code.outcome === "blocked")
    steps.push(step(answered, `The toll-fraud guard refused it; the hook answered Okta with an error${took}`));
  else
    steps.push(
      step(answered, `The hook answered Okta with an error${took}: Okta may send the code through its own provider`),
    );
  if (code.monitored !== undefined) {
    steps.push(
      step(answered, `The toll-fraud guard would have blocked it (${code.monitored}); in monitor mode it was sent`),
    );
  }
  for (const report of code.reports) steps.push(step(report.at, `Telesign: ${report.code} ${report.description}`));
  return steps;
}

function telesignFacts(code: Code): [string, string][] {
  const facts: [string, string | undefined][] = [
    ["Transaction id", code.referenceId],
    [
      "Telesign's answer",
      code.telesign?.code !== undefined ? `${code.telesign.code} ${code.telesign.description ?? ""}` : undefined,
    ],
    ["Last report", code.reports.at(-1) && `${code.reports.at(-1)?.code} ${code.reports.at(-1)?.description}`],
    ["Guard's rule", code.rule && `${code.rule}${code.scope ? ` (${code.scope})` : ""}`],
    ["eventId", code.eventId],
    ["Okta user id", code.userId],
  ];
  return facts.filter((fact): fact is [string, string] => fact[1] !== undefined && fact[1] !== "");
}

/** A few lines for the ticket: what, when (with the zone), the verdict, and the ids to quote. Masked phone only. */
function summaryOf(code: Code): string {
  const what = [
    code.requestType && (requestTypes[code.requestType] ?? code.requestType),
    code.channel && channels[code.channel],
    code.phone && `to ${code.phone}`,
    code.country && `(${code.country})`,
  ]
    .filter(Boolean)
    .join(" ");
  return [
    `${what || "Code"} for ${code.login ?? code.userId ?? "an unknown user"}, asked ${timeText(code.requestedAt)} (${timeZone})`,
    `Verdict: ${code.verdict.text}`,
    code.referenceId && `Telesign transaction id: ${code.referenceId}`,
    `Okta eventId: ${code.eventId}`,
  ]
    .filter(Boolean)
    .join("\n");
}
