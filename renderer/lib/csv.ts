/**
 * CSV files people open in a spreadsheet: RFC 4180 (CRLF between rows, fields quoted when they hold
 * a comma, a quote, CR or LF, so a bare CR inside a justification stays inside its cell) through
 * papaparse, with formula injection neutralised: a cell starting with =, +, -, @, tab or CR is
 * prefixed with an apostrophe, so `=HYPERLINK(...)` is shown as text and never run.
 */
import Papa from 'papaparse';

export type CsvCell = string | number | boolean | null | undefined;

export type CsvOptions = {
  /** A UTF-8 byte order mark first, for spreadsheet programs that otherwise guess another encoding. */
  bom?: boolean;
};

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[], opts: CsvOptions = {}): string {
  const text = Papa.unparse(
    { fields: [...header], data: rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : String(cell)))) },
    { newline: '\r\n', escapeFormulae: true, quotes: false },
  );
  return `${opts.bom ? '\uFEFF' : ''}${text}\r\n`;
}
