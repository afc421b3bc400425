// deploy/nginx.conf and deploy/pgbouncer.ini are templates with {{NAME}} placeholders, rendered
// with the ports and paths of a run (`npm run cluster`, the deployment bench).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const NGINX_TEMPLATE = fileURLToPath(new URL('../../../deploy/nginx.conf', import.meta.url));
export const PGBOUNCER_TEMPLATE = fileURLToPath(new URL('../../../deploy/pgbouncer.ini', import.meta.url));

/** The template with every placeholder replaced; one without a value, or a value never used, is an error. */
export function render(file: string, values: Record<string, string>, template = readFileSync(file, 'utf8')): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${file}: no value for the placeholder {{${name}}}`);
    used.add(name);
    return value;
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`${file}: no placeholder for ${unused.map((n) => `{{${n}}}`).join(', ')}`);
  return out;
}
