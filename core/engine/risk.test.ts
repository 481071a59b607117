import { describe, expect, it } from 'vitest';
import { makeResource } from '../test-fixtures.js';
import type { AccessRequest } from '../schema/request.js';
import { riskFactors, scoreOf, scoreRisk } from './risk.js';

const day = { now: new Date('2026-03-02T10:00:00.000Z') };
const night = { now: new Date('2026-03-02T23:00:00.000Z') };

describe('risk factors', () => {
  it('gives each reason with its points, and the score is their sum', () => {
    const input = { resource: makeResource({ sensitivity: 'high' }), durationMinutes: 240, maxDurationMinutes: 480, ticket: '', history: [] };
    const factors = riskFactors(input, night);
    expect(factors).toEqual([
      { label: 'high sensitivity', points: 40 },
      { label: '50 % of the longest duration allowed', points: 10 },
      { label: 'no ticket', points: 10 },
      { label: 'asked outside 06:00-20:00 UTC', points: 5 },
      { label: 'first request for this resource', points: 10 },
    ]);
    expect(scoreOf(factors)).toBe(75);
    expect(scoreRisk(input, night)).toBe(75);
  });

  it('leaves out what does not apply: a ticket, daytime, an earlier approved request', () => {
    const resource = makeResource({ id: 'res-1', sensitivity: 'low' });
    const history = [{ resourceId: 'res-1', status: 'approved' } as AccessRequest];
    expect(riskFactors({ resource, durationMinutes: 30, maxDurationMinutes: 480, ticket: 'CHG-1', history }, day)).toEqual([
      { label: 'low sensitivity', points: 5 },
      { label: '6 % of the longest duration allowed', points: 1 },
    ]);
  });
});
