// Where thunt finds the engine and the admin token: THUNT_URL and THUNT_ADMIN_TOKEN, else what a
// plain `npm start` in this checkout uses (port 3000, the token it generates into DATA_DIR).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.ts';

export const DEFAULT_URL = 'http://localhost:3000';

// npm start resolves DATA_DIR from the package root (npm runs scripts there); thunt may run from
// any folder of the checkout, so it resolves from the same root, not from its working directory.
const CHECKOUT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Settings { url: URL; token: string }

export async function loadSettings(env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  const rawUrl = env.THUNT_URL || DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new CliError(`THUNT_URL is not a URL: ${rawUrl} (e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`THUNT_URL must start with http:// or https://: ${rawUrl}`);
  return { url, token: env.THUNT_ADMIN_TOKEN?.trim() || await tokenOfLocalEngine(env) };
}

async function tokenOfLocalEngine(env: NodeJS.ProcessEnv): Promise<string> {
  const file = path.resolve(CHECKOUT, env.DATA_DIR || '.data', 'admin-token');
  let token = '';
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch { /* told below */ }
  if (!token) {
    throw new CliError(`no admin token: set THUNT_ADMIN_TOKEN, or run npm start once in this checkout to create ${path.relative(process.cwd(), file) || file}`);
  }
  return token;
}
