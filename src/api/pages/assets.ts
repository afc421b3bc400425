// The web app's scripts and styles (src/web): read once at start, compressed once (brotli and
// gzip), and served from memory under names carrying their content hash, so browsers keep them
// for a year and a new deploy is fetched at once.
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

export const ASSETS_PREFIX = '/assets/';

interface Asset extends Encoded { url: string; type: string; etag: string }

export class Assets {
  private readonly byName = new Map<string, Asset>();
  private readonly byUrl = new Map<string, Asset>();

  constructor(dir: URL = WEB_DIR) {
    for (const name of readdirSync(dir)) {
      const type = TYPES[extname(name)];
      if (!type) continue;
      const body = readFileSync(new URL(name, dir));
      const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
      const url = `${ASSETS_PREFIX}${name.slice(0, -extname(name).length)}.${hash}${extname(name)}`;
      const asset: Asset = {
        url, type, etag: `"${hash}"`, body,
        gzip: gzipSync(body, { level: 9 }),
        br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
      };
      this.byName.set(name, asset);
      this.byUrl.set(url, asset);
    }
  }

  /** The URL a page links a file of src/web by. */
  url(name: string): string {
    const asset = this.byName.get(name);
    if (!asset) throw new Error(`no asset ${name} in src/web`);
    return asset.url;
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
