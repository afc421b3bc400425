// Following a refresh job (GET /v1/admin/jobs/:id) until it ends, printing each state it is seen
// in: `created -> active -> completed`. A short job may go from created to completed between two
// polls; only what was seen is printed.
import type { AdminClient } from './admin-client.ts';
import { CliError, oneLine } from './errors.ts';

// Often enough to see `active` on a refresh of a few hundred ms; cheap for the API (one
// pg-boss lookup by id per poll).
const POLL_MS = 300;
// pg-boss's end states; `retry` is not one: the job runs again.
const FINAL_STATES = new Set(['completed', 'failed', 'cancelled']);

export interface Job { id: string; name: string; state: string; output: unknown }

export async function waitForJob(client: AdminClient, jobId: string, timeoutMs: number, print: (text: string) => void): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  let shown: string | undefined;
  for (;;) {
    const job = await client.get<Job>(`/v1/admin/jobs/${encodeURIComponent(jobId)}`);
    if (job.state !== shown) {
      print(shown === undefined ? job.state : ` -> ${job.state}`);
      shown = job.state;
    }
    if (FINAL_STATES.has(job.state)) {
      print('\n');
      if (job.state !== 'completed') throw new CliError(`job ${jobId} ${job.state}${reasonOf(job.output)}`);
      return job;
    }
    if (Date.now() >= deadline) {
      print('\n');
      throw new CliError(`job ${jobId} is still ${job.state} after ${timeoutMs / 1000} s; it carries on without thunt (see GET /v1/admin/jobs/${jobId})`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}

/** pg-boss stores a failed handler's error as the job's output ({ message, stack, ... }). */
function reasonOf(output: unknown): string {
  const message = (output as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? `: ${oneLine(message)}` : '';
}
