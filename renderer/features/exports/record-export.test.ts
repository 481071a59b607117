import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CommandPayloads } from '../../../core/index.js';
import { exportPayload } from './record-export.js';

describe('the record of an export', () => {
  it('carries the SHA-256 of the bytes saved (a string as UTF-8) and is a valid export.record payload', () => {
    const csv = '\uFEFFid,justification\r\nr-1,"Café, =1+1"\r\n';
    const payload = exportPayload({ kind: 'requests_csv', fileName: 'requests.csv', madeAt: '2026-03-02T09:00:00.000Z', rows: 1, content: csv, filter: 'status: All statuses' });
    expect(payload.sha256).toBe(createHash('sha256').update(Buffer.from(csv, 'utf8')).digest('hex'));
    expect(payload).not.toHaveProperty('content');
    expect(CommandPayloads['export.record'].parse(payload)).toMatchObject({ kind: 'requests_csv', rows: 1 });
    const zip = new Uint8Array([80, 75, 3, 4]);
    expect(exportPayload({ kind: 'requests_csv', fileName: 'x.zip', madeAt: '2026-03-02T09:00:00.000Z', rows: 0, content: zip }).sha256).toBe(createHash('sha256').update(zip).digest('hex'));
  });
});
