/**
 * The request body's bytes, read no further than a limit: a body over it is refused before
 * any of it is parsed, whether or not it declared its length.
 */
export async function readBodyWithin(request: Request, maxBytes: number): Promise<Buffer | undefined> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return undefined;
  if (request.body === null) return Buffer.alloc(0);
  if (declared !== null) {
    // A declared length within the limit, which the platform holds the body to: one read.
    const bytes = Buffer.from(await request.arrayBuffer());
    return bytes.byteLength > maxBytes ? undefined : bytes;
  }

  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
