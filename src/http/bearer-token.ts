/** The token of an `Authorization: Bearer <token>` header (RFC 6750); undefined for anything else. */
export function bearerTokenOf(authorization: string | null | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
}
