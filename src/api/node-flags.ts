// Node flags and environment every API process runs with (`npm run api`, `npm start`, the benches).
// V8 grows the young generation with the allocation rate, and a busy API allocates fast (a
// request, its headers, its socket): left to its default on a large machine it kept about 170 MiB
// more resident after 1,000 connections' load than with semi-spaces capped at 16 MiB, at the same
// throughput (docs/BENCHMARKS.md, read path).
export const API_NODE_FLAGS = ['--max-semi-space-size=16'];

// Node's compile cache keeps each module's type-stripped source (and V8 code) on disk. A process
// that finds every module there never loads the TypeScript stripper, a WebAssembly module that
// otherwise stays resident for the life of the process: 24 MiB of an API process's memory
// (docs/BENCHMARKS.md, read path). Relative to the project root, where npm runs its scripts.
export const API_COMPILE_CACHE = 'node_modules/.cache/node-compile-cache';

/** The environment an API process is started with: an operator's own NODE_COMPILE_CACHE wins. */
export function apiNodeEnv(root: string): { NODE_COMPILE_CACHE: string } {
  return { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? `${root.replace(/\/$/, '')}/${API_COMPILE_CACHE}` };
}
