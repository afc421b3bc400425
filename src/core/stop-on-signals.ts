// SIGTERM/SIGINT: stop in order, then exit 0 (1 if stopping failed).
import type { Logger } from './logger.ts';

export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info('shutting down', { signal });
      stop().then(() => process.exit(0), (err: unknown) => {
        log.error('shutdown failed', { err });
        process.exit(1);
      });
    });
  }
}
