import { h, show } from "./dom.ts";

/**
 * What both pages share: the session (asked of the server; the page never sees a token), the
 * header with the agent and sign-out, and what the page says when the console is off, when the
 * agent is signed out, or when the server cannot answer.
 */

export interface Session {
  agent: { name: string; login: string };
  local: boolean;
  expiresAt: string;
}

/** The agent's time zone, named on the page so that every time shown is read right. */
export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const signInMessages: Record<string, string> = {
  "no-access":
    "You are signed in to Okta, but not as a member of a group allowed to use this console. Ask your Okta admin to add you to one.",
  "no-groups-claim":
    "Okta did not say which groups you are in: the console's Okta app needs its groups claim (see the console's setup guide).",
  "okta-unavailable": "Okta cannot be reached right now. Try again in a minute.",
  failed: "Okta's sign-in did not complete. Try again; if it keeps failing, tell your Okta admin.",
  expired: "That sign-in took too long, or another one started since (in another tab or browser). Sign in again.",
  "signed-out": "You are signed out of the console. Your Okta session is unchanged.",
  ended: "Your session ended. Sign in again to go on.",
};

export class SignedOut extends Error {}

const main = () => document.getElementById("main") as HTMLElement;

/** The JSON of a console API (a body is POSTed as JSON); a signed-out answer shows the sign-in instead. */
export async function api<T>(path: string, sent?: unknown): Promise<T> {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { accept: "application/json", ...(sent !== undefined && { "content-type": "application/json" }) },
    ...(sent !== undefined && { method: "POST", body: JSON.stringify(sent) }),
  });
  if (response.status === 401) {
    showSignIn("ended");
    throw new SignedOut();
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `The console answered ${response.status}.`);
  return body;
}

/** Starts a page: who is signed in decides what it shows. */
export async function startPage(render: (main: HTMLElement, session: Session) => void): Promise<void> {
  let response: Response;
  try {
    response = await fetch("/console/api/session", { credentials: "same-origin" });
  } catch {
    show(main(), h("p", { role: "alert" }, "The console cannot be reached. Check your connection and reload."));
    return;
  }
  if (response.status === 404) return showOff();
  if (response.status === 503 && (await response.json().catch(() => ({}))).error?.startsWith("misconfigured")) {
    show(
      main(),
      h(
        "section",
        { "aria-labelledby": "off-title" },
        h("h1", { id: "off-title" }, "The helpdesk console is misconfigured"),
        h(
          "p",
          {},
          "Some of the console's variables are set, but not all, or one is wrong. An admin runs ",
          h("code", {}, "npm run check"),
          " with the site's variables to see what to fix, then redeploys.",
        ),
      ),
    );
    return;
  }
  if (response.status === 401) return showSignIn(new URLSearchParams(location.search).get("signin"));
  if (!response.ok) {
    show(main(), h("p", { role: "alert" }, `The console answered ${response.status}: reload in a minute.`));
    return;
  }
  const session = (await response.json()) as Session;
  // The sign-in's outcome is shown once: a reload does not repeat it.
  if (location.search.includes("signin=")) history.replaceState(null, "", location.pathname);
  showAgent(session);
  render(main(), session);
}

function showAgent(session: Session) {
  const agent = document.getElementById("agent");
  if (agent !== null) {
    show(
      agent,
      h("span", { class: "who" }, session.agent.name, h("span", { class: "login" }, ` (${session.agent.login})`)),
      h(
        "form",
        { method: "post", action: "/console/auth/sign-out" },
        h("button", { type: "submit", class: "quiet" }, "Sign out"),
      ),
    );
  }
  if (session.local) {
    document
      .querySelector("header")
      ?.after(
        h(
          "p",
          { class: "banner", role: "note" },
          h("strong", {}, "Local demo. "),
          `Signed in as ${session.agent.name}, a fixed demo agent, through a local stand-in for Okta. The codes below are demo traffic and npm run preview; nothing real is sent.`,
        ),
      );
  }
}

function showSignIn(reason: string | null) {
  document.getElementById("agent")?.replaceChildren();
  const message = reason !== null ? signInMessages[reason] : undefined;
  show(
    main(),
    h(
      "section",
      { class: "sign-in", "aria-labelledby": "sign-in-title" },
      h("h1", { id: "sign-in-title" }, "Sign in to the helpdesk console"),
      message && h("p", { role: "status", class: reason === "signed-out" ? "note" : "problem" }, message),
      h(
        "p",
        {},
        "See what became of a user's one-time codes, and how delivery is going. For members of your org's helpdesk and Okta admin groups.",
      ),
      h(
        "a",
        { class: "button", href: `/console/auth/sign-in?${new URLSearchParams({ return: location.pathname })}` },
        "Sign in with Okta",
      ),
    ),
  );
  (main().querySelector("a.button") as HTMLElement | null)?.focus();
}

function showOff() {
  show(
    main(),
    h(
      "section",
      { "aria-labelledby": "off-title" },
      h("h1", { id: "off-title" }, "The helpdesk console is off"),
      h(
        "p",
        {},
        "This site's console is not configured. An admin turns it on in Netlify (Site configuration › Environment variables, scope Functions) with:",
      ),
      h(
        "ul",
        {},
        h(
          "li",
          {},
          h("code", {}, "CONSOLE_OKTA_ISSUER"),
          ", ",
          h("code", {}, "CONSOLE_OKTA_CLIENT_ID"),
          ", ",
          h("code", {}, "CONSOLE_OKTA_CLIENT_SECRET"),
          ": the console's Okta app",
        ),
        h("li", {}, h("code", {}, "CONSOLE_GROUPS"), ": the Okta groups whose members may sign in"),
        h(
          "li",
          {},
          h("code", {}, "CONSOLE_SESSION_KEY"),
          ": a random key of 32 characters or more, e.g. from openssl rand -base64 32",
        ),
      ),
      h(
        "p",
        {},
        h("code", {}, "npm run okta -- setup --console --site-url https://<your-site>"),
        " creates the Okta app and prints these values. The project's docs/console.md explains each step.",
      ),
    ),
  );
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** A time in the agent's zone: `6 Dec, 14:03:07` (the format made once per page). */
export function timeText(iso: string): string {
  return timeFormat.format(new Date(iso));
}
