/**
 * `npm run evidence:verify -- PACK`: checks an evidence pack (its folder, or the .zip the console
 * saved) against its manifest.json, naming every modified, missing or extra file.
 * Exit codes: 0 every file as the manifest says; 1 a file modified, missing or added; 2 usage or
 * not a pack.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeProblem, filesOfZip, verifyPack } from '../core/evidence/manifest.js';

function filesOfDir(root: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.set(path.relative(root, full).split(path.sep).join('/'), new Uint8Array(readFileSync(full)));
    }
  };
  walk(root);
  return files;
}

function main(args: string[]): number {
  const target = args.find((a) => a !== '--');
  if (!target || args.includes('--help') || args.includes('-h')) {
    console.error('usage: npm run evidence:verify -- <pack folder or .zip>');
    return 2;
  }
  let files: Map<string, Uint8Array>;
  try {
    files = statSync(target).isDirectory() ? filesOfDir(target) : filesOfZip(new Uint8Array(readFileSync(target)));
  } catch (err) {
    console.error(`${target}: cannot be read as an evidence pack (${err instanceof Error ? err.message : String(err)})`);
    return 2;
  }
  const result = verifyPack(files);
  if (!result.manifest) {
    for (const p of result.problems) console.error(describeProblem(p));
    return 2;
  }
  const m = result.manifest;
  console.log(`Evidence pack for ${m.period.label} (${m.period.from} to ${m.period.to}), generated ${m.generatedAt} by ${m.generatedBy.username}`);
  console.log(m.audit.checkpoint ? `Covers audit events up to signed checkpoint ${m.audit.checkpoint.seq} (${m.audit.checkpoint.hash})` : `Covers audit events ${m.audit.firstSeq ?? '-'} to ${m.audit.lastSeq ?? '-'}, last hash ${m.audit.lastHash ?? '-'} (no signed checkpoint in the pack)`);
  if (result.ok) {
    console.log(`OK: ${result.checked} files match manifest.json`);
    return 0;
  }
  for (const p of result.problems) console.error(`FAILED ${describeProblem(p)}`);
  console.error(`${result.problems.length} of ${m.files.length} files do not match manifest.json`);
  return 1;
}

process.exitCode = main(process.argv.slice(2));
