import type { DeliveryRate, HealthFigures, Percentiles } from "../src/console/console-records.ts";
import { oktaLimitMs } from "../src/okta/time-limit.ts";
import { limitScale, shareBars, stackedColumns } from "./charts.ts";
import { h, show } from "./dom.ts";
import { api, SignedOut, startPage, timeZone } from "./shell.ts";

/** The health page: how delivery is going over the last 24 hours or 7 days, each figure saying what it counts. */

const periods = [
  ["24h", "Last 24 hours"],
  ["7d", "Last 7 days"],
] as const;

const outcomes = [
  { key: "delivered", label: "Delivered" },
  { key: "pending", label: "No report yet" },
  { key: "failed", label: "Failed" },
  { key: "blocked", label: "Blocked by the guard" },
  { key: "fallback", label: "Okta's provider" },
];

startPage((main) => {
  const content = h("div", { id: "figures", "aria-live": "polite", "aria-busy": "true" });
  const buttons = periods.map(([period, label]) =>
    h("button", { type: "button", class: "toggle", "data-period": period, "aria-pressed": "false" }, label),
  );
  show(
    main,
    h("h1", {}, "How delivery is going"),
    h("div", { class: "periods", role: "group", "aria-label": "Period" }, ...buttons),
    content,
  );
  const choose = (period: string) => {
    for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.period === period));
    history.replaceState(null, "", `?period=${period}`);
    void load(period, content);
  };
  for (const button of buttons) button.addEventListener("click", () => choose(button.dataset.period ?? "24h"));
  choose(new URLSearchParams(location.search).get("period") === "7d" ? "7d" : "24h");
});

async function load(period: string, content: HTMLElement) {
  content.setAttribute("aria-busy", "true");
  let figures: HealthFigures;
  try {
    figures = await api<HealthFigures>(`/console/api/health?period=${period}`);
  } catch (error) {
    if (!(error instanceof SignedOut)) show(content, h("p", { role: "alert" }, (error as Error).message));
    return;
  }
  show(content, ...render(figures, period));
  content.setAttribute("aria-busy", "false");
}

/** An hour's labels in the agent's zone, the formats made once per page. */
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric" });
const fullFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

function render(figures: HealthFigures, period: string): HTMLElement[] {
  const total = figures.hookDuration.count;
  const slots = figures.hourly.map(({ hour, ...values }) => ({
    label: period === "24h" ? hourFormat.format(new Date(hour)) : dayFormat.format(new Date(hour)),
    title: fullFormat.format(new Date(hour)),
    values,
  }));
  const sent = figures.byChannel.reduce((sum, rate) => sum + rate.sent, 0);
  const blocked = figures.blockedByRule.reduce((sum, rule) => sum + rule.count, 0);
  return [
    h(
      "p",
      { class: "lede" },
      `${total} code${total === 1 ? "" : "s"} asked for by Okta; ${sent} accepted by Telesign, ${blocked} blocked by the toll-fraud guard. Times in ${timeZone}.`,
    ),
    figure(
      "Codes by outcome, per hour",
      "Each code Okta asked the hook for, in the hour it asked, by what became of it so far.",
      stackedColumns(slots, outcomes, "Codes per hour, by outcome"),
    ),
    h(
      "div",
      { class: "pair" },
      figure(
        "Delivery rate by channel",
        "Of the codes Telesign accepted: the share with a delivery report of delivered.",
        shareBars(
          figures.byChannel.map((rate) => rateRow(rate, { sms: "SMS", voice: "Voice" })),
          "No code sent in this period.",
        ),
      ),
      figure(
        "Delivery rate by country",
        "The same, by the number's country (its calling code where none was recorded); the ten busiest.",
        shareBars(
          figures.byCountry.slice(0, 10).map((rate) => rateRow(rate, {})),
          "No code sent in this period.",
        ),
      ),
    ),
    h(
      "div",
      { class: "pair" },
      figure(
        "Time to delivered",
        "From the hook receiving Okta's request to Telesign's delivered report, over the codes delivered. " +
          "Median and p95 are counted in buckets 2% wide: within 1%.",
        percentiles(figures.timeToDelivered, ["Codes delivered", figures.timeToDelivered.count]),
      ),
      figure(
        "The hook's own time against Okta's 3 s",
        "From Okta's request arriving to the hook's answer, over every code; past 3 s Okta gives up and uses its own provider. " +
          "Median and p95 are counted in 10 ms buckets: within 5 ms.",
        percentiles(figures.hookDuration, ["At or past 3 s", figures.hookDuration.overLimit]),
        limitScale(
          [
            { label: "p50", ms: figures.hookDuration.p50Ms ?? 0 },
            { label: "p95", ms: figures.hookDuration.p95Ms ?? 0 },
          ].filter((marker) => marker.ms > 0),
          oktaLimitMs,
        ),
      ),
    ),
    h(
      "div",
      { class: "pair" },
      figure(
        "Refusals by the toll-fraud guard",
        "Codes the guard refused, by the kind of rule; Okta got an error for each.",
        shareBars(
          figures.blockedByRule.map(({ rule, count }) => ({
            label: ruleLabels[rule] ?? rule,
            share: blocked === 0 ? 0 : count / blocked,
            text: String(count),
          })),
          "The guard refused nothing in this period.",
        ),
      ),
      figure(
        "Telesign errors by code",
        "Telesign's refusals of a send and its failed delivery reports, by Telesign's code.",
        figures.telesignErrors.length === 0
          ? h("p", { class: "empty" }, "No Telesign error in this period.")
          : h(
              "table",
              {},
              h("caption", { class: "visually-hidden" }, "Telesign errors by code"),
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  h("th", { scope: "col" }, "Code"),
                  h("th", { scope: "col" }, "Telesign says"),
                  h("th", { scope: "col" }, "Count"),
                ),
              ),
              h(
                "tbody",
                {},
                ...figures.telesignErrors.map((error) =>
                  h("tr", {}, h("td", {}, error.code), h("td", {}, error.description || "—"), h("td", {}, error.count)),
                ),
              ),
            ),
      ),
    ),
  ];
}

const ruleLabels: Record<string, string> = {
  country: "Country",
  number_type: "Number type",
  rate_limit: "Rate limit",
  risk_score: "Risk score",
  message_text: "Message text",
  unavailable: "Guard unavailable",
  unknown: "Rule not recorded",
};

function figure(title: string, counts: string, ...content: HTMLElement[]): HTMLElement {
  return h("section", { class: "figure" }, h("h2", {}, title), h("p", { class: "counts" }, counts), ...content);
}

function rateRow(rate: DeliveryRate, labels: Record<string, string>) {
  const share = rate.sent === 0 ? 0 : rate.delivered / rate.sent;
  return {
    label: labels[rate.key] ?? rate.key,
    share,
    text: `${Math.round(share * 1000) / 10}% of ${rate.sent} (${rate.failed} failed)`,
  };
}

/** A duration's median and p95, then one count that says what they are of. */
function percentiles({ p50Ms, p95Ms }: Percentiles, [countTerm, count]: [string, number]): HTMLElement {
  const rows: [string, string][] = [
    ["Median (p50)", msText(p50Ms)],
    ["p95", msText(p95Ms)],
    [countTerm, String(count)],
  ];
  return h(
    "dl",
    { class: "numbers" },
    ...rows.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value))),
  );
}

function msText(ms: number | undefined): string {
  if (ms === undefined) return "—";
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(1)} s`;
}
