/**
 * Builds an evidence pack offline from replica documents: the CSVs, the PDF and manifest.json,
 * zipped into one file (docs/decisions/evidence-pack.md: a browser cannot save a folder). Runs in
 * steps that report progress and stop at once when the signal aborts.
 */
import { strToU8, zipSync, type Zippable } from 'fflate';
import { csvFile, EVENT_COLUMNS, eventRows, eventsInPeriod, GRANT_COLUMNS, grantRows, grantsInPeriod, REQUEST_COLUMNS, requestRows, requestsInPeriod } from './evidence-csv.js';
import { checkPeriodChain, computeFigures, exceptions, periodInChain, resourceRows, type ChainPosition, type EvidenceData, type PeriodInChain } from './evidence-model.js';
import { writeEvidencePdf } from './evidence-pdf.js';
import { buildManifest, MANIFEST_NAME, type EvidenceManifest, type PackCheckpoint, type PackPublicKey } from '../../../core/evidence/manifest.js';
import { periodSlug, type EvidencePeriod } from './period.js';

export type PackPerson = { id: string; username: string; displayName: string };

export type EvidencePackInput = {
  data: EvidenceData & { users: readonly PackPerson[] };
  period: EvidencePeriod;
  generatedAt: string;
  generatedBy: PackPerson;
  server: string | null;
  /** The server-signed checkpoints this replica holds; null where it holds none. */
  checkpoints: readonly PackCheckpoint[] | null;
  /** The server's audit signing key, carried with a checkpoint. */
  publicKey?: PackPublicKey | null;
  /** A UTF-8 byte order mark at the start of each CSV (for spreadsheet programs that guess otherwise). */
  bom: boolean;
};

export type PackProgress = { step: string; done: number; total: number };
/** `rows`: the data rows of its CSV files (events, grants and requests in the period), as the export's record counts them. */
export type EvidencePack = { fileName: string; zip: Uint8Array; manifest: EvidenceManifest; files: Map<string, Uint8Array>; rows: number };

export const PACK_FILES = { pdf: 'evidence.pdf', events: 'events.csv', grants: 'grants.csv', requests: 'requests.csv' } as const;
const STEPS = ['Figures', 'Events CSV', 'Grants CSV', 'Requests CSV', 'PDF', 'Manifest', 'Zip'];

/**
 * The first signed checkpoint at or after the period's last event whose hash the replica's chain
 * holds at that sequence: the nearest seal of the period (a later one seals it too, but ties it to
 * the key only through every event after the period, all of which the pack would re-hash).
 */
export function checkpointFor(checkpoints: readonly PackCheckpoint[] | null, chain: PeriodInChain, hashAt: (seq: number) => string | undefined): { checkpoint: PackCheckpoint | null; note: string } {
  const headNote = `Chain head covering the period: the period's last event is sequence ${chain.lastSeq ?? '-'} with hash ${chain.lastHash ?? '-'}; the replica's head is sequence ${chain.headSeq ?? '-'} with hash ${chain.headHash ?? '-'}. Match them with the server's audit log (npm run audit:verify).`;
  if (checkpoints === null) return { checkpoint: null, note: `${headNote} This console has seen no server-signed checkpoint (it reads the latest while online), so the pack carries the chain head hash only.` };
  const floor = chain.lastSeq ?? 0;
  const covering = checkpoints.filter((cp) => cp.seq >= floor && hashAt(cp.seq) === cp.hash).sort((a, b) => a.seq - b.seq);
  const cp = covering[0] ?? null;
  if (!cp) return { checkpoint: null, note: `${headNote} No signed checkpoint this console has seen covers the period yet (the server signs the head every few minutes or so many events; go online, then generate again to include it).` };
  return { checkpoint: cp, note: `${headNote} Signed checkpoint at sequence ${cp.seq} covers the period: the server's key ${cp.keyId} signed the chain up to it.` };
}

/** The hash held at a sequence, by binary search over the events in seq order (no map of a million entries). */
function hashAtSeq(sorted: readonly { seq: number; hash: string }[], seq: number): string | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = sorted[mid]!.seq;
    if (at === seq) return sorted[mid]!.hash;
    if (at < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

export async function generateEvidencePack(input: EvidencePackInput, opts: { onProgress?(p: PackProgress): void; signal?: AbortSignal } = {}): Promise<EvidencePack> {
  let done = 0;
  const step = async () => {
    opts.onProgress?.({ step: STEPS[done]!, done, total: STEPS.length });
    // Lets the page paint the progress and a click on Cancel land between steps.
    await new Promise((resolve) => setTimeout(resolve, 0));
    opts.signal?.throwIfAborted();
    done++;
  };
  const { data, period } = input;
  const users = new Map(data.users.map((u) => [u.id, u]));
  const resources = new Map(data.resources.map((r) => [r.id, r]));
  const names = { user: (id: string) => (id ? (users.get(id)?.displayName ?? id) : ''), resource: (id: string) => (id ? (resources.get(id)?.name ?? id) : '') };
  const files = new Map<string, Uint8Array>();

  await step();
  const figures = computeFigures(data, period);
  const { position, sorted } = periodInChain(data.audit, period);
  const { checkpoint, note } = checkpointFor(input.checkpoints, position, (seq) => hashAtSeq(sorted, seq));
  const chain: ChainPosition = { ...position, localCheck: checkPeriodChain(sorted, position, checkpoint?.seq ?? position.headSeq) };
  const csvOpts = { bom: input.bom };

  await step();
  const events = eventsInPeriod(data.audit, period);
  files.set(PACK_FILES.events, strToU8(csvFile(EVENT_COLUMNS, eventRows(events, names), csvOpts)));
  await step();
  const grants = grantsInPeriod(data.grants, period);
  files.set(PACK_FILES.grants, strToU8(csvFile(GRANT_COLUMNS, grantRows(grants, names), csvOpts)));
  await step();
  const requests = requestsInPeriod(data.requests, period);
  files.set(PACK_FILES.requests, strToU8(csvFile(REQUEST_COLUMNS, requestRows(requests, names), csvOpts)));

  await step();
  const meta = {
    period,
    generatedAt: input.generatedAt,
    generatedBy: input.generatedBy,
    server: input.server,
    audit: { firstSeq: chain.firstSeq, lastSeq: chain.lastSeq, lastHash: chain.lastHash, headSeq: chain.headSeq, headHash: chain.headHash, checkpoint, publicKey: checkpoint && input.publicKey?.keyId === checkpoint.keyId ? input.publicKey : null, note },
  };
  const pdf = await writeEvidencePdf({
    title: 'Access evidence pack',
    meta,
    chain,
    figures,
    resources: resourceRows(data, period),
    exceptions: exceptions(data, period),
    names,
    files: [
      { path: PACK_FILES.events, rows: events.length },
      { path: PACK_FILES.grants, rows: grants.length },
      { path: PACK_FILES.requests, rows: requests.length },
    ],
  });
  files.set(PACK_FILES.pdf, pdf);

  await step();
  const manifest = buildManifest(meta, files);
  files.set(MANIFEST_NAME, strToU8(`${JSON.stringify(manifest, null, 2)}\n`));

  await step();
  const mtime = new Date(input.generatedAt);
  const entries: Zippable = {};
  for (const [path, bytes] of files) entries[path] = [bytes, { mtime, level: path.endsWith('.pdf') ? 0 : 6 }];
  const zip = zipSync(entries);
  opts.onProgress?.({ step: 'Done', done: STEPS.length, total: STEPS.length });
  return { fileName: `evidence-${periodSlug(period)}.zip`, zip, manifest, files, rows: events.length + grants.length + requests.length };
}
