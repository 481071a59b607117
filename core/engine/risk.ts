import type { AccessRequest } from '../schema/request.js';
import type { Resource } from '../schema/resource.js';
import type { HeldConflict } from './conflicts.js';
import type { EngineContext } from './result.js';

export type RiskInput = {
  resource: Resource;
  durationMinutes: number;
  maxDurationMinutes: number;
  ticket: string;
  history: readonly AccessRequest[];
  /** Resources the requester holds that must not be held with this one (core/engine/conflicts.ts). */
  conflicts?: readonly HeldConflict[];
};

const SENSITIVITY_WEIGHT = { low: 5, medium: 20, high: 40, critical: 55 } as const;

/** One reason a request scores what it does, with the points it adds (shown to approvers). */
export type RiskFactor = { label: string; points: number };

/** Every factor of the score, in words, each with its weight; their sum (0-100) is the score. */
export function riskFactors(input: RiskInput, ctx: EngineContext): RiskFactor[] {
  const factors: RiskFactor[] = [{ label: `${input.resource.sensitivity} sensitivity`, points: SENSITIVITY_WEIGHT[input.resource.sensitivity] }];
  const share = Math.min(1, input.durationMinutes / Math.max(1, input.maxDurationMinutes));
  const forDuration = Math.round(20 * share);
  if (forDuration > 0) factors.push({ label: `${Math.round(share * 100)} % of the longest duration allowed`, points: forDuration });
  if (input.ticket.trim() === '') factors.push({ label: 'no ticket', points: 10 });
  const hour = ctx.now.getUTCHours();
  if (hour < 6 || hour >= 20) factors.push({ label: 'asked outside 06:00-20:00 UTC', points: 5 });
  const priorApproved = input.history.filter((r) => r.resourceId === input.resource.id && r.status === 'approved').length;
  if (priorApproved === 0) factors.push({ label: 'first request for this resource', points: 10 });
  for (const conflict of (input.conflicts ?? []).slice(0, 3)) {
    factors.push({ label: `holds ${conflict.resourceName.slice(0, 80)}, a separation-of-duties conflict`, points: 30 });
  }
  return factors;
}

/** 0-100; a triage hint shown beside the request, never a decision on its own. */
export function scoreRisk(input: RiskInput, ctx: EngineContext): number {
  return scoreOf(riskFactors(input, ctx));
}

export function scoreOf(factors: readonly RiskFactor[]): number {
  return Math.max(0, Math.min(100, factors.reduce((sum, f) => sum + f.points, 0)));
}

export function riskBand(score: number): 'low' | 'medium' | 'high' {
  return score >= 70 ? 'high' : score >= 40 ? 'medium' : 'low';
}
