import {
  CONFIG_SECTION,
  configHash,
  configOf,
  diffConfig,
  err,
  importChanges,
  importEffect,
  importWidenings,
  importWidensOwnAccess,
  MAX_IMPORT_PROPOSAL_CHANGES,
  ok,
  refusedRemovals,
  type ConfigDiff,
  type ConfigEntities,
  type DirectoryUser,
  type ErrorCode,
  type ImportWidening,
  type ProposalChange,
  type ProposalEffect,
  type Result,
} from '../../core/index.js';
import { StoreValidationError } from '../store/sqlite-store.js';
import { configWorld } from './config-change.js';
import type { PrepareContext } from './context.js';
import { preparePolicy } from './policy-upsert.js';
import { prepareProfile } from './profile-upsert.js';
import { prepareResource } from './resource-upsert.js';

/**
 * What a configuration import would do, computed the same way for a dry run (POST
 * /api/v1/config/diff) and for the import itself (config.import): the diff against the stored
 * configuration, every change validated by the same rules as its single upsert, and the verdict
 * of four eyes. Nothing it writes to try the changes out survives: see validateChanges.
 */

/** Who imports, and whether it is the trusted first configuration of an empty organisation (the demo seed). */
export type PlanContext = PrepareContext & { importer: DirectoryUser; bootstrap: boolean };

export type PlanOutcome =
  /** The file matches the server's configuration. */
  | { status: 'unchanged' }
  /** Nothing widens access: everything applies at once. */
  | { status: 'apply' }
  /** Something widens access: the whole import waits, as one proposal, for a second person. */
  | { status: 'propose' }
  | { status: 'refused'; code: ErrorCode; message: string };

export type ImportPlan = {
  /** The stored configuration's fingerprint: an import naming another one is stale. */
  baseHash: string;
  diff: ConfigDiff;
  /** In the order they apply, validated (empty when refused before validation). */
  changes: ProposalChange[];
  /** The changes that widen access, and how. */
  widenings: ImportWidening[];
  /** The what-if, for a proposal. */
  effect: ProposalEffect | null;
  outcome: PlanOutcome;
};

const KIND_WORD = { policy: 'access policy', profile: 'access profile', resource: 'resource' } as const;
const listed = (items: readonly string[]) => `${items.slice(0, 5).join(', ')}${items.length > 5 ? ` and ${items.length - 5} more` : ''}`;

/** "payload.policy.approvalSteps.0.approverIds: ..." as a file's path: "policies[pol-x].approvalSteps[0].approverIds: ...". */
export function inFileWords(change: ProposalChange, message: string): string {
  const entity = `${CONFIG_SECTION[change.kind]}[${change.after.id}]`;
  const match = new RegExp(`^payload\\.${change.kind}(?:\\.([\\w.]+))?: `).exec(message);
  if (!match) return `${entity}: ${message}`;
  const rest = (match[1] ?? '').replace(/\.(\d+)(?=\.|$)/g, '[$1]').replace(/^(\d+)/, '[$1]');
  return `${entity}${rest ? (rest.startsWith('[') ? rest : `.${rest}`) : ''}: ${message.slice(match[0].length)}`;
}

class TrialDone extends Error {
  constructor(readonly result: Result<ProposalChange[]>) {
    super('trial done');
  }
}

/**
 * Each change checked by its upsert's own rules, in order, against the configuration with the
 * earlier ones written (a resource may name a policy the same file adds), each before its own
 * write so it is compared with what is stored. The writes are a trial inside a savepoint that is
 * always rolled back: the caller writes (or proposes) for real.
 */
export function validateChanges(changes: readonly ProposalChange[], ctx: PrepareContext): Result<ProposalChange[]> {
  try {
    ctx.store.tx(() => {
      const out: ProposalChange[] = [];
      for (const change of changes) {
        const prepared = change.kind === 'policy' ? preparePolicy(change.after, ctx) : change.kind === 'resource' ? prepareResource(change.after, ctx) : prepareProfile(change.after, ctx);
        if (!prepared.ok) throw new TrialDone(err(prepared.code, inFileWords(change, prepared.message)));
        // Compared with what was stored before the import, not with an earlier trial write.
        const next = { ...prepared.value, before: change.before } as ProposalChange;
        try {
          if (next.kind === 'policy') ctx.store.put('policies', next.after);
          else if (next.kind === 'resource') ctx.store.put('resources', next.after);
          else ctx.store.put('profiles', next.after);
        } catch (error) {
          if (error instanceof StoreValidationError) throw new TrialDone(err('invalid_input', `${CONFIG_SECTION[next.kind]}[${next.after.id}]: ${error.message}`));
          throw error;
        }
        out.push(next);
      }
      throw new TrialDone(ok(out));
    });
  } catch (error) {
    if (error instanceof TrialDone) return error.result;
    throw error;
  }
  throw new Error('unreachable: the trial always ends with TrialDone');
}

const refused = (code: ErrorCode, message: string): PlanOutcome => ({ status: 'refused', code, message });

export function planImport(file: ConfigEntities, options: { prune: boolean }, ctx: PlanContext): ImportPlan {
  const state = { policies: ctx.store.list('policies'), resources: ctx.store.list('resources'), profiles: ctx.store.list('profiles') };
  const current = configOf(state);
  const diff = diffConfig(current, file, options);
  const plan: ImportPlan = { baseHash: configHash(current), diff, changes: [], widenings: [], effect: null, outcome: { status: 'unchanged' } };

  const cannot = refusedRemovals(diff);
  if (cannot.length > 0) {
    const names = cannot.map((r) => `${KIND_WORD[r.kind]} ${r.id}`);
    return { ...plan, outcome: refused('conflict', `the file leaves out ${listed(names)}: ${cannot[0]?.refused ?? ''}`) };
  }
  const changes = importChanges(state, file, { prune: options.prune, now: ctx.now });
  if (changes.length === 0) return plan;
  const validated = validateChanges(changes, ctx);
  if (!validated.ok) return { ...plan, changes, outcome: refused(validated.code, validated.message) };

  const world = configWorld(ctx);
  const widenings = importWidenings(validated.value, world);
  const judged = { ...plan, changes: validated.value, widenings };
  // The demo seed's first configuration is the server's, not a person's.
  if (widenings.length === 0 || ctx.bootstrap) return { ...judged, outcome: { status: 'apply' } };
  const first = widenings[0] as ImportWidening;
  const why = `${KIND_WORD[first.kind]} ${first.id}: ${first.widenings[0] ?? ''}`;
  if (importWidensOwnAccess(ctx.importer, validated.value, world)) {
    return { ...judged, outcome: refused('self_approval_forbidden', `this import widens your own access (${why}); someone who does not benefit from it must import it, or leave that change out of the file`) };
  }
  if (validated.value.length > MAX_IMPORT_PROPOSAL_CHANGES) {
    return {
      ...judged,
      outcome: refused('invalid_input', `this import widens access (${why}) and makes ${validated.value.length} changes; one proposal holds at most ${MAX_IMPORT_PROPOSAL_CHANGES}: import the tightening changes first, then the widening ones`),
    };
  }
  return { ...judged, effect: importEffect(validated.value, world), outcome: { status: 'propose' } };
}
