#!/usr/bin/env node
// `npx thunt`: starts src/cli/thunt/main.ts on a Node that strips TypeScript types, as every
// script of this project runs. npx puts node_modules/.bin (the `node` package, Node 24) first on
// PATH; run some other way on an older Node, thunt re-runs itself on that one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../src/cli/thunt/main.ts', import.meta.url));

if (process.features.typescript) {
  // Cached compiled code, as the API does: each command starts in a fraction of the time.
  module.enableCompileCache?.(fileURLToPath(new URL('../node_modules/.cache/node-compile-cache', import.meta.url)));
  await import(entry);
} else {
  const node = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  if (!existsSync(node)) {
    console.error(`thunt: Node ${process.version} cannot run TypeScript; run npm ci in the checkout (it installs Node 24), then npx thunt`);
    process.exit(1);
  }
  const run = spawnSync(node, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
