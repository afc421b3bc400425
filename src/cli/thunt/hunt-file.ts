// A hunt file: YAML that maps one to one onto the body of POST /v1/admin/hunts (README, "HTTP
// API"). Only what the server cannot report is checked here (the file, the YAML itself); a wrong
// field is left to the server, whose 400 names it with the API's own rules.
import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { CliError, oneLine } from './errors.ts';

export async function readHuntFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new CliError(`cannot read ${file}: ${why}`);
  }
  let hunt: unknown;
  try {
    // YAML 1.2 (the default) keeps `2030-06-01T10:00:00Z` a string, as the API wants it; under
    // `%YAML 1.1` it becomes a Date, which JSON.stringify turns back into the same ISO string.
    hunt = parse(text, { prettyErrors: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      // The pretty message goes on with the offending line and a caret: its first line (less the
      // colon introducing them) says what and where.
      throw new CliError(`${file} is not valid YAML: ${oneLine(err.message.split('\n')[0]!).replace(/:$/, '')}`);
    }
    throw err;
  }
  if (hunt === null || hunt === undefined) throw new CliError(`${file} is empty: a hunt file starts with slug:, title: and clues:`);
  if (typeof hunt !== 'object' || Array.isArray(hunt)) {
    throw new CliError(`${file}: expected the hunt's fields (slug:, title:, clues: ...) at the top, found ${Array.isArray(hunt) ? 'a list' : `a ${typeof hunt}`}`);
  }
  return hunt as Record<string, unknown>;
}
