// Plain-text tables for a terminal: left-aligned columns two spaces apart, numbers right-aligned.

export interface Column<Row> {
  title: string;
  value: (row: Row) => string | number | null;
}

export function table<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const numeric = columns.map((_, i) => cells.length > 0 && cells.every((r) => typeof r[i] === 'number' || r[i] === null));
  const texts = [columns.map((c) => c.title), ...cells.map((r) => r.map((v) => v === null ? '-' : String(v)))];
  const widths = columns.map((_, i) => Math.max(...texts.map((r) => r[i]!.length)));
  return texts
    .map((r) => r.map((text, i) => numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)).join('  ').trimEnd())
    .join('\n');
}

/** `2030-06-01 10:00` (UTC, as the column titles say): what an organiser compares at a glance. */
export function utcMinute(iso: string | null): string | null {
  return iso === null ? null : iso.slice(0, 16).replace('T', ' ');
}

/** `2030-06-01 10:00:05` (UTC): where seconds matter, as for a freeze. */
export function utcSecond(iso: string | null): string | null {
  return iso === null ? null : iso.slice(0, 19).replace('T', ' ');
}
