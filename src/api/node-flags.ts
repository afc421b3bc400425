// Node flags every API process runs with (`npm run api`, `npm start`, the benches).
// V8 grows the young generation with the allocation rate, and a busy API allocates fast (a
// request, its headers, its socket): left to its default on a large machine it kept about 170 MiB
// more resident after 1,000 connections' load than with semi-spaces capped at 16 MiB, at the same
// throughput (docs/BENCHMARKS.md, read path).
export const API_NODE_FLAGS = ['--max-semi-space-size=16'];
