import { describe, expect, it } from 'vitest';
import { localInputValue, startBounds, startFromInput } from './start-model.js';

const now = new Date(2026, 5, 5, 9, 0).getTime(); // Friday 5 June 2026, 09:00 here
const HOUR = 60 * 60_000;

describe('the request form’s start', () => {
  it('is nothing to send when left at "when approved"', () => {
    expect(startFromInput('', now)).toEqual({ iso: null, problem: null });
  });

  it('reads the picked time in the viewer’s zone and sends it as UTC', () => {
    const picked = localInputValue(new Date(2026, 5, 6, 22, 0).getTime());
    expect(picked).toBe('2026-06-06T22:00');
    expect(startFromInput(picked, now)).toEqual({ iso: new Date(2026, 5, 6, 22, 0).toISOString(), problem: null });
  });

  it('refuses a time that has passed and one more than 30 days ahead, with the server’s rule', () => {
    expect(startFromInput(localInputValue(now - HOUR), now).problem).toBe('this time has passed: pick a later one, or start when approved');
    expect(startFromInput(localInputValue(now + 31 * 24 * HOUR), now).problem).toMatch(/^may be at most 30 days ahead/);
    expect(startFromInput('soon', now).problem).toBe('pick a date and a time');
  });

  it('bounds the picker from the next minute to 30 days ahead', () => {
    expect(startBounds(now)).toEqual({ min: '2026-06-05T09:01', max: localInputValue(now + 30 * 24 * HOUR - 60_000) });
  });
});
