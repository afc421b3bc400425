// Small pieces every bench prints with: medians, markdown tables, the machine it ran on.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function table(header: string[], rows: (string | number)[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-'),
  ms: (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(2)) : '-'),
  ratio: (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-'),
  mb: (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`,
  pct: (n: number) => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : '-'),
};

export function machine(): { cores: number; model: string; memory: string; node: string; date: string } {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    model = /^Model name:\s*(.+)$/m.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? model;
  } catch { /* no lscpu: os.cpus() it is */ }
  return {
    cores: os.availableParallelism(), model, memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version, date: new Date().toISOString(),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A command-line option that must be a positive integer (`--name`), with a clear error otherwise. */
export function positiveInt(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}
