// One process `npm run cluster` started: spawned in a process group of its own, so a Ctrl-C in the
// terminal reaches only the cluster, which stops its processes in order (nginx and the APIs first,
// PgBouncer last) instead of all at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ExitStatus { code: number | null; signal: NodeJS.Signals | null }

export interface ChildSpec {
  /** As printed: "api 1", "worker 2", "nginx", "pgbouncer". */
  name: string;
  command: string;
  args: string[];
  /** Added to the cluster's own environment. */
  env?: NodeJS.ProcessEnv;
  /** 'inherit': the cluster's stdout and stderr (the engine's logs); else a file for both. */
  output: 'inherit' | string;
  /** What asks it to stop cleanly (nginx: SIGQUIT finishes requests; PgBouncer: SIGINT its queries). */
  stopSignal: NodeJS.Signals;
}

export class Child {
  private proc: ChildProcess | undefined;
  private exit: Promise<ExitStatus> | undefined;
  private last: ExitStatus | undefined;

  readonly spec: ChildSpec;
  private readonly onExit: (child: Child, status: ExitStatus) => void;

  constructor(spec: ChildSpec, onExit: (child: Child, status: ExitStatus) => void = () => undefined) {
    this.spec = spec;
    this.onExit = onExit;
  }

  get pid(): number | undefined { return this.running ? this.proc?.pid : undefined; }
  get running(): boolean { return this.proc !== undefined && this.last === undefined; }
  /** How it ended the last time (undefined while running, or never started). */
  get exitStatus(): ExitStatus | undefined { return this.last; }

  start(): void {
    const fd = this.spec.output === 'inherit' ? 'inherit' : openSync(this.spec.output, 'a');
    const proc = spawn(this.spec.command, this.spec.args, {
      env: { ...process.env, ...this.spec.env }, stdio: ['ignore', fd, fd], detached: true,
    });
    if (typeof fd === 'number') closeSync(fd);
    this.proc = proc;
    this.last = undefined;
    this.exit = new Promise((resolve) => {
      const done = (status: ExitStatus) => {
        if (this.proc !== proc || this.last) return;
        this.last = status;
        resolve(status);
        this.onExit(this, status);
      };
      proc.once('exit', (code, signal) => done({ code, signal }));
      // Not started at all (a binary that cannot be executed): 'exit' may never come.
      proc.once('error', () => done({ code: 127, signal: null }));
    });
  }

  /** Asks it to stop; after `graceMs`, kills it. Resolves with how it ended. */
  async stop(graceMs: number): Promise<ExitStatus | undefined> {
    if (!this.running) return this.last;
    this.signal(this.spec.stopSignal);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const status = await this.exit!;
    clearTimeout(timer);
    return status;
  }

  signal(signal: NodeJS.Signals): void {
    try { this.proc?.kill(signal); } catch { /* already gone */ }
  }
}

/** `name` on PATH or in the sbin folders (not on a non-root PATH, where Debian puts nginx and PgBouncer). */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch { /* not here */ }
  }
  return undefined;
}

/** `describe` of an exit: "exit code 1", "SIGKILL". */
export function describeExit(status: ExitStatus | undefined): string {
  if (!status) return 'still running';
  return status.signal ?? `exit code ${status.code}`;
}

/** The last lines of a log file, indented, for an error message (the file itself is removed with the run). */
export function logTail(file: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text ? `\n  ${text.split('\n').slice(-lines).join('\n  ')}` : ' (empty log)';
  } catch {
    return ' (no log)';
  }
}
