// Reads a V8 .cpuprofile (node --cpu-prof) and lists where the samples landed: self time per
// function, and per file/package, as shares of the busy (not idle) samples, so a bench can say
// what bounded a server without a viewer.
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] }

export interface ProfileSummary {
  totalSamples: number;
  /** Share of samples where the process was idle (waiting in epoll); the shares below exclude them. */
  idle: number;
  functions: { name: string; share: number }[];
  /** By file, with node_modules folded to the package and node: internals kept by file. */
  modules: { name: string; share: number }[];
}

function moduleOf(url: string): string {
  if (!url) return '(native / V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  return path.relative(process.cwd(), url.replace(/^file:\/\//, ''));
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const all = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const idle = profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const total = all - idle;
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits || node.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${moduleOf(url)}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    byModule.set(moduleOf(url), (byModule.get(moduleOf(url)) ?? 0) + hits);
  }
  const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, hits]) => ({ name, share: hits / total }));
  return { totalSamples: all, idle: idle / all, functions: ranked(byFunction), modules: ranked(byModule) };
}

/** Printable summary lines for every .cpuprofile in `dir` (one per process that wrote one). */
export async function summarizeProfiles(dir: string, top = 20): Promise<string[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile')).sort();
  const lines: string[] = [];
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`.padStart(6);
  for (const file of files) {
    const summary = summarizeProfile(path.join(dir, file), top);
    lines.push(`CPU profile ${file} (${summary.totalSamples} samples, ${pct(summary.idle).trim()} idle), self time of the busy samples by module:`);
    for (const m of summary.modules) lines.push(`  ${pct(m.share)}  ${m.name}`);
    lines.push('  by function:');
    for (const fn of summary.functions) lines.push(`  ${pct(fn.share)}  ${fn.name}`);
  }
  if (!files.length) lines.push(`no CPU profile in ${dir}`);
  return lines;
}
