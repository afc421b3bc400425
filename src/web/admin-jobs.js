// Refreshes (POST /v1/admin/refresh) and their jobs, followed (GET /v1/admin/jobs/:id) until they
// end, each state seen shown as it comes: "created → active → completed".
import { api, seg } from './admin-api.js';
import { button, el, say } from './admin-dom.js';

const ENDED = new Set(['completed', 'failed', 'cancelled']);
const POLL_MS = 500;
// A refresh takes seconds; a job still running after this is left to run, no longer followed.
const FOLLOW_MS = 120_000;

/**
 * A button that triggers a refresh and a line that follows its job; `done` runs after a job
 * completes (e.g. to show the stats it made).
 * @param {string} label the button's text
 * @param {{ hunt?: string, stats?: boolean }} body what to refresh (nothing: every hunt)
 * @param {() => Promise<void> | void} [done]
 */
export function refreshControl(label, body, done) {
  const line = el('p', { className: 'job' });
  const control = button(label, async () => {
    const { jobId } = await api('POST', '/v1/admin/refresh', body);
    const states = [];
    line.textContent = `${label}: job ${jobId} queued`;
    const job = await follow(jobId, (state) => {
      states.push(state);
      line.textContent = `${label}: ${states.join(' → ')}`;
    });
    if (job.state === 'completed') {
      say(`${label}: the job completed.`);
      await done?.();
    } else {
      say(`${label}: the job ${job.state === 'timeout' ? 'is still running' : `ended ${job.state}`}.`, 'error');
    }
  }, { className: 'secondary' });
  return el('div', { className: 'refresh' }, control, line);
}

/**
 * Polls a job until it ends (or FOLLOW_MS pass: state "timeout"), calling `seen` with each new state.
 * @param {string} jobId
 * @param {(state: string) => void} seen
 * @returns {Promise<{ state: string }>}
 */
async function follow(jobId, seen) {
  const deadline = Date.now() + FOLLOW_MS;
  let last = '';
  while (Date.now() < deadline) {
    const job = await api('GET', `/v1/admin/jobs/${seg(jobId)}`);
    if (job.state !== last) seen(last = job.state);
    if (ENDED.has(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { state: 'timeout' };
}
