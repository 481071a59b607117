/**
 * The whole pack from seeded replica documents: the PDF read back with pdftotext (poppler-utils),
 * the CSVs parsed back, and the CLI verifier run as a child process against the pack's folder and
 * zip, with a file modified, removed or added.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointMessage, keyIdOf } from '../../../core/audit/checkpoint.js';
import { filesOfZip, MANIFEST_NAME, sha256Hex, verifyPack } from '../../../core/evidence/manifest.js';
import { strFromU8, strToU8, zipSync } from 'fflate';
import { generateEvidencePack, PACK_FILES, type PackProgress } from './evidence-pack.js';
import { BARE_CR, FORMULA, seededPackInput } from './test-seed.js';

const work = mkdtempSync(path.join(tmpdir(), 'evidence-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function pdfText(bytes: Uint8Array): string {
  const file = path.join(work, `read-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}
const squash = (text: string) => text.replace(/\s+/g, ' ');

function verifyCli(target: string) {
  const run = spawnSync(path.resolve('node_modules/.bin/tsx'), ['cli/evidence-verify.ts', target], { encoding: 'utf8' });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}
function unpack(zip: Uint8Array, name: string): string {
  const dir = path.join(work, name);
  for (const [p, bytes] of filesOfZip(zip)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), bytes);
  }
  return dir;
}

describe('evidence pack', async () => {
  const steps: PackProgress[] = [];
  const pack = await generateEvidencePack(seededPackInput(), { onProgress: (p) => steps.push(p) });

  it('holds the PDF, three CSVs and a manifest listing each with its SHA-256, the period, generator and chain head', () => {
    expect([...pack.files.keys()].sort()).toEqual([PACK_FILES.events, PACK_FILES.pdf, PACK_FILES.grants, MANIFEST_NAME, PACK_FILES.requests].sort());
    expect(pack.fileName).toBe('evidence-2026-07-01_2026-09-30.zip');
    const m = pack.manifest;
    expect(m.files.map((f) => f.path)).toEqual([PACK_FILES.pdf, PACK_FILES.events, PACK_FILES.grants, PACK_FILES.requests].sort());
    for (const f of m.files) expect(f.sha256).toBe(sha256Hex(pack.files.get(f.path)!));
    expect(m).toMatchObject({ period: { label: 'Q3 2026' }, generatedBy: { username: 'heidi' }, generatedAt: '2026-10-03T09:00:00.000Z', audit: { firstSeq: 2, lastSeq: 5, headSeq: 6, checkpoint: null } });
    expect(m.audit.note).toContain('has seen no server-signed checkpoint');
    expect(verifyPack(filesOfZip(pack.zip))).toMatchObject({ ok: true, checked: 4, problems: [] });
    expect(steps.at(-1)).toEqual({ step: 'Done', done: 7, total: 7 });
    expect(steps.map((s) => s.done)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('the PDF says the figures, the per-resource rows, the exceptions with their controls and the chain position', () => {
    const text = squash(pdfText(pack.files.get(PACK_FILES.pdf)!));
    const m = pack.manifest;
    for (const line of [
      'Access evidence pack',
      'Period: Q3 2026 (from 2026-07-01T00:00:00.000Z to 2026-10-01T00:00:00.000Z',
      'Heidi Auditor (heidi)',
      'Events in the period: 4, sequence 2 to 5',
      `Hash of the period's last event: ${m.audit.lastHash}`,
      `Replica head: sequence 6, hash ${m.audit.headHash}`,
      "Chain re-hashed on this replica from sequence 2 (the period's first event) to 6 (the replica's head): intact",
      'Requests asked 7',
      '4 approved (1 automatically), 1 denied, 0 expired, 0 cancelled, 1 open',
      'Refused as not eligible 1 CC6.3 A.5.15',
      'Time to approval median 10 min, p90 90 min, max 90 min (5) CC6.2 A.5.18',
      'Grants started 5',
      'Grants ended, by reason 3 ended at expiry, 1 removed by an access review CC6.2 CC6.3 A.5.18',
      'People holding a grant 3 A.5.16 A.5.18 A.8.2',
      'Revocation lateness median 0 s, p90 20 min, max 20 min (4)',
      'Late revocations (over 5 min) 1',
      'Failed revocations 1',
      '6: 1 effective, 2 gone, 1 still present, 1 drift, 1 inconclusive',
      'Drift found 1 receipts on 1 grants',
      'Break-glass uses 1 CC6.1 CC6.3 A.5.15 A.8.2',
      '1 succeeded, 1 failed; second factor 1 proved, 0 failed CC6.1 A.5.17',
      'ISO 27001 A.5.16 Identity management people holding a grant',
      'ISO 27001 A.5.17 Authentication information sign-ins and second factors',
      'ERP vendor master 4 2 1 2 1 min 1 0 1 1',
      'Payroll DB admins 3 3 0 3 30 min 3 1 0 0',
      'Exceptions (4)',
      '2026-08-01 12:50 late revocation Payroll DB admins Frank Ocean removed 20 min after expiry',
      '2026-08-05 10:02 failed revocation ERP vendor master Grace Hopper',
      '2026-09-10 22:01 break glass ERP vendor master Frank Ocean',
      '2026-09-20 08:00 drift ERP vendor master Frank Ocean',
      'events.csv 4',
      'grants.csv 5',
      'requests.csv 7',
    ]) expect(text).toContain(line);
    expect(text).toMatch(/late revocation .* CC6.2 A.5.18 A.8.2/);
  });

  it('CSVs in the pack parse back to the period rows; with a BOM when asked', async () => {
    const parse = (p: string, files = pack.files) => Papa.parse<string[]>(new TextDecoder().decode(files.get(p)!).replace(/^\uFEFF/, ''), { newline: '\r\n', skipEmptyLines: true }).data;
    const requests = parse(PACK_FILES.requests);
    expect(requests.length - 1).toBe(7);
    const just = requests[0]!.indexOf('justification');
    expect(requests.find((r) => r[0] === 'r-1')![just]).toBe(`'${FORMULA}`);
    expect(requests.find((r) => r[0] === 'r-2')![just]).toBe(BARE_CR);
    expect(parse(PACK_FILES.events).slice(1).map((r) => r[0])).toEqual(['2', '3', '4', '5']);
    expect(parse(PACK_FILES.grants).length - 1).toBe(5);
    expect(pack.files.get(PACK_FILES.events)![0]).not.toBe(0xef);
    const withBom = await generateEvidencePack(seededPackInput({ bom: true }));
    expect([...withBom.files.get(PACK_FILES.events)!.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('carries a signed checkpoint covering the period with its key; the CLI checks the signature', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
    const head = pack.manifest.audit.headHash!;
    const unsigned = { seq: 6, hash: head, at: '2026-10-05T09:00:00.000Z', keyId: keyIdOf(raw) };
    const cp = { ...unsigned, signature: sign(null, checkpointMessage(unsigned), privateKey).toString('hex') };
    const key = { keyId: cp.keyId, publicKey: Buffer.from(raw).toString('base64') };
    const signed = await generateEvidencePack(seededPackInput({ checkpoints: [cp], publicKey: key }));
    expect(signed.manifest.audit.checkpoint).toEqual(cp);
    expect(signed.manifest.audit.publicKey).toEqual(key);
    expect(squash(pdfText(signed.files.get(PACK_FILES.pdf)!))).toContain(`Signed checkpoint: sequence 6, hash ${head}, signed 2026-10-05T09:00:00.000Z with key ${cp.keyId}`);
    const zipFile = path.join(work, 'signed.zip');
    writeFileSync(zipFile, signed.zip);
    expect(verifyCli(zipFile)).toMatchObject({ code: 0, out: expect.stringContaining(`Checkpoint signature valid for key ${cp.keyId}`) });
    // A checkpoint edited in the manifest no longer verifies.
    const files = Object.fromEntries(signed.files);
    const manifest = JSON.parse(strFromU8(files[MANIFEST_NAME]!)) as { audit: { checkpoint: { seq: number } } };
    manifest.audit.checkpoint.seq = 5;
    writeFileSync(zipFile, zipSync({ ...files, [MANIFEST_NAME]: strToU8(JSON.stringify(manifest)) }));
    expect(verifyCli(zipFile)).toMatchObject({ code: 1, out: expect.stringContaining('does not verify') });
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const run = generateEvidencePack(seededPackInput(), { signal: controller.signal, onProgress: (p) => p.step === 'Grants CSV' && controller.abort() });
    await expect(run).rejects.toThrow(/abort/i);
  });

  it('the CLI verifier passes the pack as a zip and as a folder', () => {
    const zipFile = path.join(work, pack.fileName);
    writeFileSync(zipFile, pack.zip);
    expect(verifyCli(zipFile)).toMatchObject({ code: 0, out: expect.stringContaining('OK: 4 files match manifest.json') });
    const dir = unpack(pack.zip, 'intact');
    expect(verifyCli(dir)).toMatchObject({ code: 0, out: expect.stringContaining('Evidence pack for Q3 2026') });
  });

  it('the CLI verifier names a modified, a missing and an added file, and refuses a folder without a manifest', () => {
    const modified = unpack(pack.zip, 'modified');
    const csv = path.join(modified, PACK_FILES.grants);
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('g-2', 'g-9'));
    expect(verifyCli(modified)).toMatchObject({ code: 1, out: expect.stringContaining('FAILED grants.csv: modified') });

    const missing = unpack(pack.zip, 'missing');
    unlinkSync(path.join(missing, PACK_FILES.pdf));
    writeFileSync(path.join(missing, 'notes.txt'), 'added later');
    const out = verifyCli(missing);
    expect(out.code).toBe(1);
    expect(out.out).toContain('FAILED evidence.pdf: missing from the pack');
    expect(out.out).toContain('FAILED notes.txt: not listed in the manifest');

    const bare = unpack(pack.zip, 'bare');
    unlinkSync(path.join(bare, MANIFEST_NAME));
    expect(verifyCli(bare)).toMatchObject({ code: 2, out: expect.stringContaining('manifest.json: missing') });
  });
});
