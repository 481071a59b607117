/**
 * Evidence for auditors and admins, made offline from this console's replica: a period, Generate,
 * a progress bar with Cancel, and the pack (PDF, CSVs, manifest.json in one zip) saved through the
 * host (a download in the browser, a save dialog in the desktop app). Below, a check of a pack
 * chosen from disk against its manifest: any modified, missing or added file is named.
 */
import { useRef, useState } from 'react';
import { describeProblem, filesOfZip, MANIFEST_NAME, verifyPack, type PackVerification } from '../../../core/evidence/manifest.js';
import { useNow } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession, useSessionApi } from '../../session/session.js';
import { Icon } from '../../ui/ui.js';
import { sha256Hex } from '../../../core/evidence/manifest.js';
import { useRecordExport } from '../exports/record-export.js';
import { generateEvidencePack, type EvidencePack, type PackProgress } from './evidence-pack.js';
import { customPeriod, PERIOD_PRESETS, periodFor, type EvidencePeriod, type PeriodPreset } from './period.js';
import { checkPackSignature, type SignatureVerdict } from './checkpoint-signature.js';
import { readReplica } from './read-replica.js';
import { useSeenCheckpoints } from './signed-checkpoints.js';
import '../../ui/load-progress.css';
import './evidence.css';

type Outcome = { tone: 'success' | 'danger' | 'info'; text: string };

function chosenPeriod(preset: PeriodPreset | 'custom', from: string, to: string, now: number): EvidencePeriod | null {
  return preset === 'custom' ? customPeriod(from, to) : periodFor(preset, new Date(now));
}

function GeneratePanel() {
  const { db, user, serverUrl } = useSession();
  const { host } = useSessionApi();
  const { users } = useConsoleData();
  const seen = useSeenCheckpoints();
  const recordExport = useRecordExport();
  const [preset, setPreset] = useState<PeriodPreset | 'custom'>('last_quarter');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [bom, setBom] = useState(false);
  const [progress, setProgress] = useState<PackProgress | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const running = useRef<AbortController | null>(null);
  // Re-rendered every minute; the period is taken from the clock at each render and again at the click,
  // so a page left open across a quarter's end shows and asks for the right one.
  useNow(60_000);
  const period = chosenPeriod(preset, from, to, Date.now());

  async function generate() {
    const period = chosenPeriod(preset, from, to, Date.now());
    if (!period) return;
    const controller = new AbortController();
    running.current = controller;
    setOutcome(null);
    setProgress({ step: 'Reading the replica', done: 0, total: 8 });
    const generatedAt = new Date().toISOString();
    try {
      const data = await readReplica(db, controller.signal);
      const me = users.get(user.id);
      const pack: EvidencePack = await generateEvidencePack(
        {
          data: { ...data, users: [...users.values()].map((u) => ({ id: u.id, username: u.username, displayName: u.displayName })) },
          period,
          generatedAt,
          generatedBy: { id: user.id, username: me?.username ?? user.id, displayName: user.displayName },
          server: serverUrl,
          // Those this console saw while online; none yet: the pack carries the chain head and says so.
          checkpoints: seen.checkpoints.length > 0 ? seen.checkpoints : null,
          publicKey: seen.publicKey,
          bom,
        },
        { signal: controller.signal, onProgress: (p) => setProgress({ step: p.step, done: p.done + 1, total: p.total + 1 }) },
      );
      const saved = await host.saveFile(pack.fileName, pack.zip, 'application/zip');
      // Saved: the export's record goes into the outbox, and reaches the server's log when this console syncs.
      if (saved.saved) {
        await recordExport({
          kind: 'evidence_pack',
          fileName: pack.fileName,
          madeAt: generatedAt,
          rows: pack.rows,
          content: pack.zip,
          manifestSha256: sha256Hex(pack.files.get(MANIFEST_NAME) as Uint8Array),
          period: { from: period.from, to: period.to, label: period.label },
        });
      }
      const a = pack.manifest.audit;
      const covers = a.lastSeq === null ? 'no audit events fell in the period' : `audit events ${a.firstSeq} to ${a.lastSeq}, last hash ${a.lastHash!.slice(0, 16)}…`;
      setOutcome(
        saved.saved
          ? { tone: 'success', text: `Saved ${saved.path ?? pack.fileName}: evidence.pdf, 3 CSV files and ${MANIFEST_NAME} for ${period.label}; covers ${covers}. The export is recorded in the audit log when this console syncs.` }
          : { tone: 'info', text: 'Not saved: the save dialog was closed.' },
      );
    } catch (err) {
      setOutcome(controller.signal.aborted ? { tone: 'info', text: 'Cancelled: nothing was saved.' } : { tone: 'danger', text: `The pack could not be made: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      running.current = null;
      setProgress(null);
    }
  }

  return (
    <section className="card" aria-labelledby="evidence-generate">
      <h2 className="section-label" id="evidence-generate">
        Generate an evidence pack
      </h2>
      <p className="small muted">
        Made on this device from its replica, online or not: a PDF with the period&apos;s figures, a table per resource and the exceptions, each mapped to SOC 2 CC6.1-CC6.3 and ISO 27001
        A.5.15-A.5.18 and A.8.2; CSV files of the events, grants and requests; and {MANIFEST_NAME} with the SHA-256 of every file and the audit chain position it covers.
      </p>
      <label className="field">
        Period
        <select value={preset} onChange={(e) => setPreset(e.target.value as PeriodPreset | 'custom')} disabled={progress !== null}>
          {PERIOD_PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          <option value="custom">Dates I choose</option>
        </select>
      </label>
      {preset === 'custom' ? (
        <div className="evidence-dates">
          <label className="field">
            From
            <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} aria-invalid={from !== '' && to !== '' && !period} />
          </label>
          <label className="field">
            To (included)
            <input type="date" value={to} onChange={(e) => setTo(e.target.value)} aria-invalid={from !== '' && to !== '' && !period} />
          </label>
          {from && to && !period ? <p className="field-error">The end is before the start.</p> : null}
        </div>
      ) : null}
      {period ? (
        <p className="small" data-testid="evidence-period">
          {period.label}: {period.from.slice(0, 10)} to {new Date(Date.parse(period.to) - 1).toISOString().slice(0, 10)} (UTC)
        </p>
      ) : null}
      <p className="small muted" data-testid="evidence-checkpoint">
        {seen.checkpoints.length > 0
          ? `Latest signed checkpoint this console has seen: event ${seen.checkpoints.at(-1)!.seq}, signed ${seen.checkpoints.at(-1)!.at} with key ${seen.checkpoints.at(-1)!.keyId}.`
          : 'This console has seen no signed checkpoint yet: the pack will carry the chain head hash.'}
      </p>
      <label className="evidence-bom small">
        <input type="checkbox" checked={bom} onChange={(e) => setBom(e.target.checked)} disabled={progress !== null} /> Start each CSV with a UTF-8 byte order mark (for spreadsheet programs that
        guess the encoding)
      </label>
      <div className="evidence-actions">
        <button type="button" className="button primary" onClick={() => void generate()} disabled={!period || progress !== null}>
          <Icon name="download" /> Generate evidence pack
        </button>
        {progress ? (
          <button type="button" className="button" onClick={() => running.current?.abort()}>
            Cancel
          </button>
        ) : null}
      </div>
      {progress ? (
        <div className="load-progress" data-testid="evidence-progress">
          <span className="load-progress-label">
            {progress.step}… ({progress.done} of {progress.total})
          </span>
          <span className="load-progress-track" role="progressbar" aria-label="Generating the evidence pack" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done}>
            <span className="load-progress-fill" style={{ width: `${(100 * progress.done) / progress.total}%` }} />
          </span>
        </div>
      ) : null}
      {outcome ? (
        <div className={`notice ${outcome.tone}`} role="status" data-testid="evidence-outcome">
          <Icon name={outcome.tone === 'danger' ? 'alert' : 'check'} />
          {outcome.text}
        </div>
      ) : null}
    </section>
  );
}

async function filesOfFolder(list: FileList): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const file of Array.from(list)) {
    // webkitRelativePath starts with the chosen folder's own name.
    const rel = (file.webkitRelativePath || file.name).split('/').slice(file.webkitRelativePath ? 1 : 0).join('/');
    files.set(rel, new Uint8Array(await file.arrayBuffer()));
  }
  return files;
}

function VerifyPanel() {
  const [result, setResult] = useState<{ name: string; verification: PackVerification; signature: SignatureVerdict | null } | { name: string; error: string } | null>(null);

  async function check(list: FileList | null, folder: boolean) {
    if (!list || list.length === 0) return;
    const name = folder ? (list[0]!.webkitRelativePath.split('/')[0] ?? 'folder') : list[0]!.name;
    try {
      const files = folder ? await filesOfFolder(list) : filesOfZip(new Uint8Array(await list[0]!.arrayBuffer()));
      const verification = verifyPack(files);
      setResult({ name, verification, signature: verification.manifest ? await checkPackSignature(verification.manifest.audit) : null });
    } catch (err) {
      setResult({ name, error: `not a zip file (${err instanceof Error ? err.message : String(err)})` });
    }
  }

  const v = result && 'verification' in result ? result.verification : null;
  const intact = v !== null && v.ok && !(result && 'signature' in result && result.signature?.state === 'invalid');
  return (
    <section className="card" aria-labelledby="evidence-verify">
      <h2 className="section-label" id="evidence-verify">
        Check a pack
      </h2>
      <p className="small muted">Checks every file of a pack against its {MANIFEST_NAME}, on this device. The same check runs from a terminal: npm run evidence:verify -- PACK.</p>
      <div className="evidence-actions">
        <label className="field">
          A pack&apos;s zip file
          <input type="file" accept=".zip,application/zip" onChange={(e) => void check(e.target.files, false)} data-testid="evidence-verify-zip" />
        </label>
        <label className="field">
          Or its unzipped folder
          <input type="file" {...{ webkitdirectory: '' }} multiple onChange={(e) => void check(e.target.files, true)} data-testid="evidence-verify-folder" />
        </label>
      </div>
      {result && 'error' in result ? (
        <div className="notice danger" role="alert">
          <Icon name="alert" />
          {result.name}: {result.error}
        </div>
      ) : null}
      {v && result ? (
        <div className={`notice ${intact ? 'success' : 'danger'}`} role="status" data-testid="evidence-verify-result">
          <Icon name={intact ? 'check' : 'alert'} />
          <div>
            {v.ok && v.manifest
              ? `${result.name}: all ${v.checked} files match ${MANIFEST_NAME}. Evidence for ${v.manifest.period.label}, generated ${v.manifest.generatedAt} by ${v.manifest.generatedBy.username}; audit events ${v.manifest.audit.firstSeq ?? '-'} to ${v.manifest.audit.lastSeq ?? '-'}.`
              : `${result.name}: ${v.problems.length} ${v.problems.length === 1 ? 'problem' : 'problems'}.`}
            {result && 'signature' in result && result.signature ? <p data-testid="evidence-signature">{result.signature.text}</p> : null}
            {v.problems.length > 0 ? (
              <ul>
                {v.problems.map((p) => (
                  <li key={`${p.kind}:${p.path}`}>{describeProblem(p)}</li>
                ))}
              </ul>
            ) : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}

export function EvidencePage() {
  return (
    <div className="page narrow">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Evidence</h1>
          <span className="muted">from this device&apos;s replica, offline too</span>
        </div>
      </header>
      <GeneratePanel />
      <VerifyPanel />
    </div>
  );
}
