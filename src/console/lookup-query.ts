import { telesignPhoneNumber } from "../mapping/phone-number.ts";
import { referenceIdOf } from "../telesign/reference-id.ts";
import type { LookupKind, LookupQuery } from "./console-records.ts";
import { phoneShape } from "./phone-shape.ts";

/**
 * What an agent typed, as a lookup: by Okta login or user id, by phone number, by eventId, or by
 * the transaction id of Okta's System Log (Telesign's reference id). Without a kind, the text's
 * shape decides. Anything else is refused with a sentence the page shows.
 */

type ParsedLookup = { ok: true; query: LookupQuery } | { ok: false; problem: string };

const lookupKinds: readonly LookupKind[] = ["user", "phone", "event", "reference"];

const maxLength = 200;

export function parseLookup(text: string | null, kind: string | null): ParsedLookup {
  const value = (text ?? "").trim();
  if (value === "") return { ok: false, problem: "Type a login, user id, phone number, eventId or transaction id." };
  if (value.length > maxLength) return { ok: false, problem: `That is longer than ${maxLength} characters.` };
  if (kind !== null && kind !== "" && !(lookupKinds as string[]).includes(kind)) {
    return { ok: false, problem: "Choose what you are searching by." };
  }
  const chosen = (kind || guessKind(value)) as LookupKind;
  if (chosen === "reference") {
    const referenceId = referenceIdOf(value);
    if (referenceId === undefined) return { ok: false, problem: "A transaction id is 32 hexadecimal digits." };
    return { ok: true, query: { kind: chosen, value: referenceId } };
  }
  if (chosen === "phone") {
    const digits = phoneShape.test(value) ? telesignPhoneNumber(value) : undefined;
    if (digits === undefined) {
      return { ok: false, problem: "Type the full number with its country code, e.g. +1 555 010 0199." };
    }
    return { ok: true, query: { kind: chosen, value: digits } };
  }
  return { ok: true, query: { kind: chosen, value } };
}

function guessKind(value: string): LookupKind {
  if (referenceIdOf(value) !== undefined) return "reference";
  if (phoneShape.test(value) && telesignPhoneNumber(value) !== undefined) return "phone";
  // Okta's user ids are 00u and 17 more; its eventIds are 20 or more URL-safe characters.
  if (/^00u[0-9A-Za-z]{17}$/.test(value)) return "user";
  return /^[0-9A-Za-z_-]{20,}$/.test(value) ? "event" : "user";
}
