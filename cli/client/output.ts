/**
 * How client commands print: `--json` writes the API's JSON as it came; people get aligned
 * columns. Colour only on a terminal that has not asked for none (NO_COLOR).
 */
export interface Column<T> {
  header: string;
  value(row: T): unknown;
}

const useColour = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !process.env.NO_COLOR;

export function bold(text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return useColour(stream) ? `\x1b[1m${text}\x1b[0m` : text;
}

export function dim(text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return useColour(stream) ? `\x1b[2m${text}\x1b[0m` : text;
}

/** A cell as text: absent → "-", objects as compact JSON, one line. */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Rows as aligned columns, a header line first; the last column is not padded. */
export function formatTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i].length)));
  const render = (line: string[]) => line.map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i]))).join('  ').trimEnd();
  return [bold(render(columns.map((column) => column.header))), ...cells.map(render)].join('\n');
}

export function printTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, empty = 'nothing to show'): void {
  console.log(rows.length === 0 ? dim(empty) : formatTable(rows, columns));
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Key: value lines for one object (get commands). */
export function printFields(fields: Array<[string, unknown]>): void {
  const width = Math.max(...fields.map(([key]) => key.length));
  for (const [key, value] of fields) console.log(`${bold(`${key}:`.padEnd(width + 1))} ${cell(value)}`);
}

/** Progress lines go to stderr, so stdout stays the answer (and `--json` stays parseable). */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A byte count for people: 512 B, 12.3 KiB, 4.0 MiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
