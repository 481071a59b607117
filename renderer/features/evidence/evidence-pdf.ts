/**
 * The evidence pack's PDF, written with pdf-lib in the console (browser and Electron alike): the
 * period and who made it, the audit chain position it covers, the summary figures with the controls
 * each evidences, a controls page, a table per resource and the exceptions. Text only, in the
 * standard Helvetica fonts, so `pdftotext` reads every figure back.
 */
import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import { controlCoverage, EVIDENCE_CONTROLS, EVIDENCE_LABELS } from './controls.js';
import { formatDuration, type ChainPosition, type EvidenceException, type EvidenceFigures, type ResourceRow } from './evidence-model.js';
import { figureLines } from './figure-lines.js';
import type { EvidenceManifest } from '../../../core/evidence/manifest.js';

export type EvidencePdfInput = {
  title: string;
  meta: Pick<EvidenceManifest, 'period' | 'generatedAt' | 'generatedBy' | 'server' | 'audit'>;
  chain: ChainPosition;
  figures: EvidenceFigures;
  resources: readonly ResourceRow[];
  exceptions: readonly EvidenceException[];
  names: { user(id: string): string; resource(id: string): string };
  /** The CSV files beside the PDF, with their row counts. */
  files: readonly { path: string; rows: number }[];
};

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 48;
const GREY = rgb(0.35, 0.35, 0.35);

type Column = { header: string; width: number };

class Writer {
  page!: PDFPage;
  y = 0;
  constructor(readonly doc: PDFDocument, readonly font: PDFFont, readonly bold: PDFFont, readonly footer: string) {
    this.newPage();
  }
  newPage() {
    this.page = this.doc.addPage([A4.width, A4.height]);
    this.y = A4.height - MARGIN;
    this.page.drawText(this.safe(this.footer, this.font), { x: MARGIN, y: MARGIN / 2, size: 7, font: this.font, color: GREY });
  }
  ensure(height: number) {
    if (this.y - height < MARGIN) this.newPage();
  }
  /** Standard fonts encode WinAnsi only: anything else is shown as '?', never dropped silently. */
  safe(text: string, font: PDFFont) {
    const known = new Set(font.getCharacterSet());
    return [...text.replace(/[\r\n\t]+/g, ' ')].map((ch) => (known.has(ch.codePointAt(0)!) ? ch : '?')).join('');
  }
  fit(text: string, width: number, size: number, font: PDFFont) {
    let t = this.safe(text, font);
    if (font.widthOfTextAtSize(t, size) <= width) return t;
    while (t.length > 1 && font.widthOfTextAtSize(`${t}...`, size) > width) t = t.slice(0, -1);
    return `${t}...`;
  }
  heading(text: string, size = 13) {
    this.ensure(size + 14);
    this.y -= size + 8;
    this.page.drawText(this.safe(text, this.bold), { x: MARGIN, y: this.y, size, font: this.bold });
    this.y -= 4;
  }
  text(text: string, size = 9, font = this.font) {
    for (const l of this.wrap(text, A4.width - 2 * MARGIN, size, font)) {
      this.ensure(size + 4);
      this.y -= size + 3;
      this.page.drawText(l, { x: MARGIN, y: this.y, size, font });
    }
  }
  /** Words of a text in lines no wider than width (a word longer than the line is cut with "..."). */
  wrap(text: string, width: number, size: number, font: PDFFont): string[] {
    const lines: string[] = [];
    let line = '';
    for (const word of this.safe(text, font).split(' ')) {
      const next = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(next, size) <= width) line = next;
      else {
        if (line) lines.push(line);
        line = font.widthOfTextAtSize(word, size) <= width ? word : this.fit(word, width, size, font);
      }
    }
    lines.push(line);
    return lines;
  }
  row(cells: readonly string[], columns: readonly Column[], size = 7.5, font = this.font, onNewPage?: () => void) {
    const wrapped = cells.map((cell, i) => this.wrap(cell, columns[i]!.width - 6, size, font));
    const height = Math.max(...wrapped.map((l) => l.length)) * (size + 2) + 2;
    if (this.y - height < MARGIN) {
      this.newPage();
      onNewPage?.();
    }
    let x = MARGIN;
    wrapped.forEach((lines, i) => {
      lines.forEach((l, n) => this.page.drawText(l, { x, y: this.y - (n + 1) * (size + 2), size, font }));
      x += columns[i]!.width;
    });
    this.y -= height;
  }
  table(columns: readonly Column[], rows: readonly (readonly string[])[], empty: string) {
    // A header is never left alone at the foot of a page, and is repeated above rows on the next.
    this.ensure(40);
    const header = () => this.row(columns.map((c) => c.header), columns, 7.5, this.bold);
    header();
    if (rows.length === 0) this.text(empty, 8, this.font);
    for (const r of rows) this.row(r, columns, 7.5, this.font, header);
    this.y -= 6;
  }
}

const controlList = (ids: readonly string[]) => ids.map((c) => c.replace('SOC 2 ', '').replace('ISO 27001 ', '')).join(' ');
const day = (iso: string) => iso.replace('T', ' ').slice(0, 16);

export async function writeEvidencePdf(input: EvidencePdfInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const { meta, chain } = input;
  doc.setTitle(input.title);
  doc.setSubject(`Access evidence for ${meta.period.label}`);
  doc.setProducer('JIT access console');
  doc.setCreationDate(new Date(meta.generatedAt));
  doc.setModificationDate(new Date(meta.generatedAt));
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const w = new Writer(doc, font, bold, `${input.title} - ${meta.period.label} - generated ${meta.generatedAt} by ${meta.generatedBy.username} - files listed with their SHA-256 in manifest.json`);

  w.heading(input.title, 18);
  w.text(`Period: ${meta.period.label} (from ${meta.period.from} to ${meta.period.to}, UTC, end excluded)`);
  w.text(`Generated: ${meta.generatedAt} by ${meta.generatedBy.displayName} (${meta.generatedBy.username}), offline from this console's replica of ${meta.server ?? 'the server'}`);

  w.heading('Audit chain position');
  w.text(chain.events === 0 ? 'Events in the period: none' : `Events in the period: ${chain.events}, sequence ${chain.firstSeq} to ${chain.lastSeq}`);
  w.text(`Hash of the period's last event: ${chain.lastHash ?? '-'}`);
  w.text(`Replica head: sequence ${chain.headSeq ?? '-'}, hash ${chain.headHash ?? '-'}`);
  const sealedBy = meta.audit.checkpoint && chain.localCheck.ok && chain.localCheck.checkedUpTo === meta.audit.checkpoint.seq ? 'the signed checkpoint below' : "the replica's head";
  w.text(
    !chain.localCheck.ok
      ? `Chain check on this replica failed: ${chain.localCheck.message}`
      : chain.events === 0
        ? 'Chain check: the period holds no events, so there is nothing to re-hash'
        : `Chain re-hashed on this replica from sequence ${chain.localCheck.checkedFrom} (the period's first event) to ${chain.localCheck.checkedUpTo} (${sealedBy}): intact`,
  );
  if (meta.audit.checkpoint) {
    const cp = meta.audit.checkpoint;
    w.text(`Signed checkpoint: sequence ${cp.seq}, hash ${cp.hash}, signed ${cp.at} with key ${cp.keyId}`);
  }
  w.text(meta.audit.note, 8, font);

  w.heading('Summary figures');
  const figCols = [{ header: 'Figure', width: 120 }, { header: 'Value', width: 250 }, { header: 'Controls', width: 130 }];
  w.table(figCols, figureLines(input.figures).map((l) => [l.label, l.value, controlList(EVIDENCE_CONTROLS[l.item])]), '');

  w.heading('Controls and the evidence for each');
  const covCols = [{ header: 'Control', width: 80 }, { header: 'What it asks', width: 200 }, { header: 'Evidenced by', width: 220 }];
  w.table(covCols, controlCoverage().map((c) => [c.control, c.title, c.items.map((i) => EVIDENCE_LABELS[i]).join(', ')]), '');

  w.heading('Per resource');
  const resCols = [
    { header: 'Resource', width: 120 }, { header: 'Requests', width: 44 }, { header: 'Approved', width: 44 }, { header: 'Denied', width: 38 }, { header: 'Grants', width: 38 },
    { header: 'Median approval', width: 66 }, { header: 'Revoked', width: 40 }, { header: 'Late', width: 30 }, { header: 'Drift', width: 30 }, { header: 'Break-glass', width: 50 },
  ];
  w.table(resCols, input.resources.map((r) => [r.name, r.requests, r.approved, r.denied, r.grants, formatDuration(r.medianApprovalMs), r.revoked, r.late, r.drift, r.breakGlass].map(String)), 'No requests or grants in the period.');

  w.heading(`Exceptions (${input.exceptions.length})`);
  const excCols = [{ header: 'When (UTC)', width: 66 }, { header: 'Exception', width: 72 }, { header: 'Resource', width: 80 }, { header: 'Person', width: 62 }, { header: 'Detail', width: 122 }, { header: 'Controls', width: 98 }];
  w.table(
    excCols,
    input.exceptions.map((e) => [day(e.at), e.kind.replace('_', ' '), input.names.resource(e.resourceId), input.names.user(e.userId), `${e.detail}${e.grantId ? ` [${e.grantId}]` : ''}`, controlList(e.controls)]),
    'No late or failed revocations, drift or break-glass uses in the period.',
  );

  w.heading('Files of this pack');
  w.table([{ header: 'File', width: 200 }, { header: 'Rows', width: 60 }], input.files.map((f) => [f.path, String(f.rows)]), '');
  w.text('Each file, this PDF included, is listed with its SHA-256 in manifest.json. Check them with: npm run evidence:verify -- <pack>, or on the console\'s Evidence page.', 8);
  return doc.save({ useObjectStreams: false });
}

