// The web app's scripts and styles (src/web): read once at start, compressed once (brotli and
// gzip), and served from memory under names carrying their content hash, so browsers keep them
// for a year and a new deploy is fetched at once. A module's imports of its siblings
// (`from './live.js'`) are rewritten to their hashed names, so a module's hash covers what it
// imports too.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { negotiate, type Encoded } from './page-response.ts';

const WEB_DIR = new URL('../../web/', import.meta.url);
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
/** Static imports and re-exports of a sibling module: `from './x.js'`, `import './x.js'`. */
const SIBLING_IMPORT = /(\bfrom\s*|\bimport\s*)(['"])\.\/([\w-]+\.js)\2/g;

export const ASSETS_PREFIX = '/assets/';

interface Asset extends Encoded { url: string; type: string; etag: string; imports: string[] }

export class Assets {
  private readonly byName = new Map<string, Asset>();
  private readonly byUrl = new Map<string, Asset>();

  constructor(dir: URL = WEB_DIR) {
    const sources = new Map<string, Buffer>();
    for (const name of readdirSync(dir)) if (TYPES[extname(name)]) sources.set(name, readFileSync(new URL(name, dir)));
    const load = (name: string, trail: string[]): Asset => {
      const done = this.byName.get(name);
      if (done) return done;
      if (trail.includes(name)) throw new Error(`src/web: import cycle ${[...trail, name].join(' -> ')}`);
      let body = sources.get(name);
      if (!body) throw new Error(`src/web/${trail.at(-1)} imports ${name}, which is not there`);
      const imports: string[] = [];
      if (extname(name) === '.js') {
        body = Buffer.from(body.toString('utf8').replace(SIBLING_IMPORT, (_, keyword: string, quote: string, dep: string) => {
          imports.push(dep);
          return `${keyword}${quote}${load(dep, [...trail, name]).url}${quote}`;
        }));
      }
      const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
      const url = `${ASSETS_PREFIX}${name.slice(0, -extname(name).length)}.${hash}${extname(name)}`;
      const asset: Asset = {
        url, type: TYPES[extname(name)]!, etag: `"${hash}"`, body, imports,
        gzip: gzipSync(body, { level: 9 }),
        // A window no larger than the file (brotli's default is 4 MiB, for nothing at these sizes).
        br: brotliCompressSync(body, { params: {
          [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          [constants.BROTLI_PARAM_LGWIN]: Math.min(24, Math.max(10, Math.ceil(Math.log2(body.length + 1)))),
        } }),
      };
      this.byName.set(name, asset);
      this.byUrl.set(url, asset);
      return asset;
    };
    for (const name of sources.keys()) load(name, []);
  }

  /** The URL a page links a file of src/web by. */
  url(name: string): string {
    const asset = this.byName.get(name);
    if (!asset) throw new Error(`no asset ${name} in src/web`);
    return asset.url;
  }

  /** The URLs of every module a script imports, directly or not (for modulepreload links). */
  importsOf(name: string): string[] {
    const seen = new Set<string>();
    const visit = (n: string) => {
      for (const dep of this.byName.get(n)?.imports ?? []) {
        if (seen.has(dep)) continue;
        seen.add(dep);
        visit(dep);
      }
    };
    visit(name);
    return [...seen].map((dep) => this.url(dep));
  }

  /** Compressed bytes of every asset (the size budget). */
  get compressedBytes(): { gzip: number; br: number } {
    let gzip = 0;
    let br = 0;
    for (const asset of this.byName.values()) { gzip += asset.gzip.length; br += asset.br!.length; }
    return { gzip, br };
  }

  /** Serves an asset by its hashed URL; false when the path names none. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const asset = this.byUrl.get(path);
    if (!asset) return false;
    const headers = { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', 'etag': asset.etag };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const { body, encoding } = negotiate(req, asset);
    res.writeHead(200, { ...headers, 'vary': 'Accept-Encoding', 'content-length': body.length, ...(encoding && { 'content-encoding': encoding }) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}

/** The directory assets are read from (for tests that check the size budget). */
export const webDirectory = (): string => join(new URL('.', WEB_DIR).pathname);
