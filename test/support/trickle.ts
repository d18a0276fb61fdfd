/**
 * A request body that arrives one byte at a time, a byte every 50 ms: a slow-loris client. It
 * never ends by itself within a test's time; `stop()` ends it.
 */
export function trickledBody(text: string): { stream: ReadableStream<Uint8Array>; stop: () => void } {
  const bytes = new TextEncoder().encode(text);
  let timer: NodeJS.Timeout | undefined;
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        if (sent < bytes.length) controller.enqueue(bytes.subarray(sent, ++sent));
      }, 50);
    },
    cancel() {
      clearInterval(timer);
    },
  });
  return { stream, stop: () => clearInterval(timer) };
}
