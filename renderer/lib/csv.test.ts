import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.js';

describe('toCsv', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    const csv = toCsv(['a'], [['=HYPERLINK("http://evil.example","click")'], ['+1+1'], ['-2+3'], ['@SUM(A1)'], ['\tx'], ['\rline']]);
    const cells = Papa.parse<string[]>(csv.trim(), { newline: '\r\n' }).data.slice(1).map((r) => r[0]);
    expect(cells).toEqual(["'=HYPERLINK(\"http://evil.example\",\"click\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rline"]);
  });

  it('keeps CR, LF, commas and quotes inside their cell: parsed back, every row and cell is as written', () => {
    const rows = [
      ['req-1', 'restore\rpayroll', 'a, b', 'say "hi"'],
      ['req-2', 'two\nlines', '', 'plain'],
    ];
    const csv = toCsv(['id', 'justification', 'x', 'y'], rows);
    expect(csv.endsWith('\r\n')).toBe(true);
    const parsed = Papa.parse<string[]>(csv, { newline: '\r\n', skipEmptyLines: true }).data;
    expect(parsed).toEqual([['id', 'justification', 'x', 'y'], ...rows]);
  });

  it('writes numbers, empty values and an optional byte order mark', () => {
    expect(toCsv(['n', 'e'], [[42, null]])).toBe('n,e\r\n42,\r\n');
    expect(toCsv(['n'], [[1]], { bom: true }).startsWith('\uFEFFn')).toBe(true);
  });
});
