import { SeededRandom } from './rng.js';

/**
 * `timeout` holds the socket without answering, then destroys it; `reset` destroys it at once;
 * `applied-then-504` performs the request and then answers 504, so the caller cannot know
 * its write landed (the case idempotent retries exist for).
 */
export const FAULT_KINDS = ['429', '500', '503', '504', 'timeout', 'reset', 'applied-then-504'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type PathMatcher = string | RegExp;
export type FaultMatch = { method?: string; path?: PathMatcher };
export type FaultInjection = { rate: number; kinds: FaultKind[]; seed?: number; paths?: PathMatcher[] };

function matchesPath(path: string, matcher: PathMatcher): boolean {
  return typeof matcher === 'string' ? path.includes(matcher) : matcher.test(path);
}

function checkKind(kind: string): FaultKind {
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`fault kind must be one of ${FAULT_KINDS.join(', ')}, got ${kind}`);
  return kind as FaultKind;
}

/** Random faults at a rate (seeded) and one-shot scripted faults. */
export class FaultPlan {
  private injection: { rate: number; kinds: FaultKind[]; paths?: PathMatcher[]; random: SeededRandom } | undefined;
  private scripted: Array<{ remaining: number; kind: FaultKind; match?: FaultMatch }> = [];

  inject(spec: FaultInjection, defaultSeed: number): void {
    if (!Number.isFinite(spec.rate) || spec.rate < 0 || spec.rate > 1) throw new Error(`injectFaults rate must be within 0..1, got ${String(spec.rate)}`);
    if (!Array.isArray(spec.kinds) || spec.kinds.length === 0) throw new Error('injectFaults kinds must name at least one fault kind');
    const kinds = spec.kinds.map(checkKind);
    if (spec.rate === 0) {
      this.injection = undefined;
      return;
    }
    this.injection = { rate: spec.rate, kinds, random: new SeededRandom(spec.seed ?? defaultSeed), ...(spec.paths ? { paths: spec.paths } : {}) };
  }

  failNext(count: number, kind: FaultKind, match?: FaultMatch): void {
    if (!Number.isInteger(count) || count < 1) throw new Error(`failNext count must be a positive integer, got ${String(count)}`);
    this.scripted.push({ remaining: count, kind: checkKind(kind), ...(match ? { match } : {}) });
  }

  clear(): void {
    this.injection = undefined;
    this.scripted = [];
  }

  /**
   * The fault for this request, if any. Requests outside Graph (the token endpoint) only fail
   * when a path matcher names them explicitly.
   */
  pick(method: string, path: string, isGraph: boolean): FaultKind | undefined {
    for (const entry of this.scripted) {
      if (entry.remaining <= 0) continue;
      const match = entry.match;
      if (match?.method && match.method.toUpperCase() !== method.toUpperCase()) continue;
      if (match?.path !== undefined ? !matchesPath(path, match.path) : !isGraph) continue;
      entry.remaining -= 1;
      this.scripted = this.scripted.filter((e) => e.remaining > 0);
      return entry.kind;
    }
    const injection = this.injection;
    if (!injection) return undefined;
    const applies = injection.paths ? injection.paths.some((m) => matchesPath(path, m)) : isGraph;
    if (!applies) return undefined;
    if (!injection.random.chance(injection.rate)) return undefined;
    return injection.kinds[injection.random.int(0, injection.kinds.length - 1)];
  }
}
