/**
 * A request body's bytes, counted as they arrive (a declared `content-length` is never trusted to
 * be true), read no further than a limit and for no longer than a time: a body over the limit, or
 * trickled past the time, is refused before any of it is parsed.
 */

export type BodyRead = { ok: true; body: Buffer } | { ok: false; refusal: "too_large" | "too_slow" };

export async function readBodyWithin(request: Request, maxBytes: number, timeoutMs: number): Promise<BodyRead> {
  // A declared length over the limit needs no reading; one under it proves nothing.
  if (Number(request.headers.get("content-length")) > maxBytes) return { ok: false, refusal: "too_large" };
  if (request.body === null) return { ok: true, body: Buffer.alloc(0) };
  const reader = request.body.getReader();
  // At the deadline the reader is cancelled: a pending read then ends as if the body had.
  let late = false;
  const timer = setTimeout(
    () => {
      late = true;
      reader.cancel().catch(() => {});
    },
    Math.max(0, Math.floor(timeoutMs)),
  );
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (late) return { ok: false, refusal: "too_slow" };
      if (done) return { ok: true, body: Buffer.concat(chunks, size) };
      size += value.byteLength;
      if (size > maxBytes) {
        reader.cancel().catch(() => {});
        return { ok: false, refusal: "too_large" };
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
}
