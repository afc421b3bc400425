// HTML built from templates whose every interpolated value is escaped unless it is markup this
// module made: user text (handles, team names, clue texts, announcements) cannot become markup.

/** Markup that is already safe: only `html` makes it (the class is not exported, its type is). */
class Html {
  readonly text: string;
  constructor(text: string) { this.text = text; }
  toString(): string { return this.text; }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export type { Html };

/** Text as HTML text or attribute value (quoted). */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * A template of markup: strings between values are trusted, values are escaped (Html values and
 * arrays of them are kept; null, undefined and false render nothing, so `${cond && html`...`}` works).
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}
