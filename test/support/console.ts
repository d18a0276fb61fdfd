import type { ConsoleRecords, HealthFigures } from "../../src/console/console-records.ts";

/** The console's settings of a test: a stand-in Okta's issuer is filled in by the test. */
export const consoleEnv = (issuer: string): Record<string, string> => ({
  CONSOLE_OKTA_ISSUER: issuer,
  CONSOLE_OKTA_CLIENT_ID: "0oa-console-test",
  CONSOLE_OKTA_CLIENT_SECRET: "console-client-secret-for-tests",
  CONSOLE_GROUPS: "Helpdesk, Okta Admins",
  CONSOLE_SESSION_KEY: "a-site-key-of-the-tests-that-is-long-enough-0123",
});

export const helpdeskAgent = {
  sub: "00uagent0000000000001",
  name: "Ada Agent",
  login: "ada@example.com",
  groups: ["Everyone", "Helpdesk"],
};

export const emptyFigures = (from: Date, to: Date): HealthFigures => ({
  from: from.toISOString(),
  to: to.toISOString(),
  hourly: [],
  byChannel: [],
  byCountry: [],
  timeToDelivered: { count: 0 },
  hookDuration: { count: 0, overLimit: 0 },
  blockedByRule: [],
  telesignErrors: [],
});

/** Records that answer nothing, and say what they were asked. */
export function recordingRecords(): ConsoleRecords & { asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    lookup: async (query) => {
      asked.push(query);
      return [];
    },
    health: async (from, to) => {
      asked.push({ from: from.toISOString(), to: to.toISOString() });
      return emptyFigures(from, to);
    },
  };
}

/** A browser's cookie jar, enough for one site: Set-Cookie in, Cookie out. */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  /** The attributes each cookie was last set with. */
  readonly attributes = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const [name = "", ...value] = pair.split("=");
      const maxAge = /Max-Age=(\d+)/i.exec(line)?.[1];
      this.attributes.set(name, attributes.map((part) => part.trim()).join("; "));
      if (maxAge === "0") this.cookies.delete(name);
      else this.cookies.set(name, value.join("="));
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}
