// One run at a time: a refresh asked for while one is running runs once more after it, so
// responses are applied in the order they were asked for and bursts of updates coalesce. With
// `minIntervalMs`, runs start at least that far apart (the first at once): a hunt republished ten
// times a second costs each open page one fetch a second, not ten, still well within the two
// seconds a person would notice. An `urgent` call (the player's own action) does not wait.

/** What a live update re-fetches is fetched at most once a second, however often it is republished. */
export const LIVE_INTERVAL_MS = 1000;

/**
 * @param {() => Promise<void>} run
 * @param {number} [minIntervalMs]
 * @returns {(urgent?: boolean) => Promise<void>}
 */
export function serial(run, minIntervalMs = 0) {
  /** @type {Promise<void> | null} */
  let running = null;
  let again = false;
  let urgent = false;
  let lastStart = -Infinity;
  return (now = false) => {
    urgent ||= now;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          const wait = urgent ? 0 : lastStart + minIntervalMs - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          urgent = false;
          lastStart = performance.now();
          await run();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}
