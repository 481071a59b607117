import type { AccessRequest } from '../schema/request.js';
import type { Resource } from '../schema/resource.js';
import type { EngineContext } from './result.js';

export type RiskInput = {
  resource: Resource;
  durationMinutes: number;
  maxDurationMinutes: number;
  ticket: string;
  history: readonly AccessRequest[];
};

const SENSITIVITY_WEIGHT = { low: 5, medium: 20, high: 40, critical: 55 } as const;

/** 0-100; a triage hint shown beside the request, never a decision on its own. */
export function scoreRisk(input: RiskInput, ctx: EngineContext): number {
  let score = SENSITIVITY_WEIGHT[input.resource.sensitivity];
  score += Math.round(20 * Math.min(1, input.durationMinutes / Math.max(1, input.maxDurationMinutes)));
  if (input.ticket.trim() === '') score += 10;
  const hour = ctx.now.getUTCHours();
  if (hour < 6 || hour >= 20) score += 5;
  const priorApproved = input.history.filter((r) => r.resourceId === input.resource.id && r.status === 'approved').length;
  if (priorApproved === 0) score += 10;
  return Math.max(0, Math.min(100, score));
}

export function riskBand(score: number): 'low' | 'medium' | 'high' {
  return score >= 70 ? 'high' : score >= 40 ? 'medium' : 'low';
}
