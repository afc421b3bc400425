// nginx from deploy/nginx.conf, in the foreground, with its pid file, logs and temp files under the
// run's directory (its prefix, -p), so several can run at once and nothing is left elsewhere.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Child, findBinary, type ExitStatus } from './child.ts';
import { NGINX_TEMPLATE, render } from './templates.ts';

export interface NginxSite {
  /** Address and port nginx listens on. */
  listen: { host: string; port: number };
  /** The API instances' ports (on loopback). */
  apiPorts: number[];
}

export function renderNginxConfig(site: NginxSite, template?: string): string {
  // fail_timeout 2s: a restarted instance is tried again at most 2 s after it failed (see the template).
  const servers = site.apiPorts.map((port) => `        server 127.0.0.1:${port} max_fails=1 fail_timeout=2s;`).join('\n');
  return render(NGINX_TEMPLATE, { LISTEN: `${site.listen.host}:${site.listen.port}`, API_SERVERS: servers }, template);
}

/** Writes the configuration under `dir` (its prefix) and returns the process, not yet started. */
export async function prepareNginx(dir: string, site: NginxSite, onExit?: (child: Child, status: ExitStatus) => void, template?: string): Promise<Child> {
  const binary = findBinary('nginx');
  if (!binary) throw new Error('nginx is not installed (Debian: apt-get install nginx)');
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  await mkdir(path.join(dir, 'temp'), { recursive: true });
  const config = path.join(dir, 'nginx.conf');
  await writeFile(config, renderNginxConfig(site, template));
  return new Child({
    name: 'nginx', command: binary, output: path.join(dir, 'logs', 'nginx.out'),
    // -e: errors from the very start (before the configuration is read) go to the run's log too.
    args: ['-p', dir, '-c', config, '-e', path.join(dir, 'logs', 'error.log'), '-g', 'daemon off;'],
    // SIGQUIT: stop accepting, finish the requests in flight (the APIs end their event streams).
    stopSignal: 'SIGQUIT',
  }, onExit);
}
