/**
 * Runs `stop` and ends the process on Ctrl-C (SIGINT), SIGTERM and SIGHUP (a closed terminal):
 * the default for each would end it at once, skipping every `exit` handler.
 */
export function stopOnExit(stop: () => Promise<void>, say: (line: string) => void = console.log): void {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      say("\nStopping…");
      await stop().catch(() => undefined);
      process.exit(0);
    });
  }
}
