// Times in the reader's time zone, and countdowns ticking once a second. The server sends the
// instants (<time datetime>, in UTC text); a countdown is a `[data-countdown]` paragraph whose
// `.countdown-left` is filled here with how long is left.

/** Puts every <time datetime> under `root` in the reader's zone and language. */
export function localizeTimes(/** @type {ParentNode} */ root = document) {
  for (const time of root.querySelectorAll('time[datetime]')) {
    const at = new Date(time.getAttribute('datetime') ?? '');
    if (Number.isNaN(at.getTime())) continue;
    time.textContent = time.getAttribute('data-format') === 'time'
      ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
      : at.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  }
}

/** "2 d 3 h", "1 h 02 min", "4 min 05 s", "12 s". */
export function duration(/** @type {number} */ ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${pad(m)} min`;
  if (m > 0) return `${m} min ${pad(s % 60)} s`;
  return `${s} s`;
}

function tick() {
  const now = Date.now();
  for (const countdown of document.querySelectorAll('[data-countdown]')) {
    const at = Date.parse(countdown.querySelector('time')?.getAttribute('datetime') ?? '');
    const left = countdown.querySelector('.countdown-left');
    if (Number.isNaN(at) || !left) continue;
    // Past: the hunt's next publish (its start or end) replaces this part within a second or so.
    left.textContent = at > now ? ` (in ${duration(at - now)})` : ' (now)';
  }
}

/** Ticks every countdown on the page (those swapped in later too), on the second. */
export function startCountdowns() {
  tick();
  setTimeout(() => { tick(); setInterval(tick, 1000); }, 1000 - (Date.now() % 1000));
}
