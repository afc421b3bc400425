// Times on pages: a <time> element with the exact instant for scripts and machines, and a UTC
// rendering as its text until the page's script puts it in the reader's time zone (times.js).
// A page is made once for every reader, so nothing here is relative to "now": a countdown is the
// instant it counts to, and the script adds how long is left and ticks it.
import type { PublicHuntStatus, Timestamp } from '../../core/documents.ts';
import { html, type Html } from './html.ts';

/** Date and time (`time`: time of day only, for recent events). */
export function when(at: string, format: 'date-time' | 'time' = 'date-time'): Html {
  const text = format === 'time' ? `${at.slice(11, 16)} UTC` : `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`;
  return html`<time datetime="${at}"${format === 'time' && html` data-format="time"`}>${text}</time>`;
}

/** "Starts 2026-12-04 10:00 UTC", which the script makes "Starts 4 Dec, 10:00 (in 1 h 02 min 03 s)". */
function countdown(label: string, at: string): Html {
  return html`<p class="when countdown" data-countdown><span class="countdown-label">${label}</span> ${when(at)}<span class="countdown-left"></span></p>`;
}

function moment(label: string, at: string): Html {
  return html`<p class="when">${label} ${when(at)}</p>`;
}

/** A hunt's times as its status makes them matter: counting down to its start, then to its end. */
export function huntTimes(status: PublicHuntStatus, startsAt: Timestamp | null, endsAt: Timestamp | null): Html {
  switch (status) {
    case 'scheduled': return html`${startsAt && countdown('Starts', startsAt)}${endsAt && moment('Ends', endsAt)}`;
    case 'live': return html`${startsAt && moment('Started', startsAt)}${endsAt && countdown('Ends', endsAt)}`;
    case 'ended': return html`${endsAt && moment('Ended', endsAt)}`;
    case 'draft': return html``;
  }
}
