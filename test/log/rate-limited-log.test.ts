import { describe, expect, it } from 'vitest';
import { createLogger, createRateLimitedLog } from '../../src/index.js';

describe('createRateLimitedLog', () => {
  it('one line per key per interval; the next line counts what was left out', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
    let t = 0;
    const limited = createRateLimitedLog(log, { intervalMs: 10_000, now: () => t });
    expect(limited('warn', 'a', { reason: 'a' }, 'rejected')).toBe(true);
    for (let i = 0; i < 7; i++) expect(limited('warn', 'a', { reason: 'a' }, 'rejected')).toBe(false);
    expect(limited('warn', 'b', { reason: 'b' }, 'rejected')).toBe(true); // another key has its own budget
    t = 9_999;
    expect(limited('warn', 'a', { reason: 'a' }, 'rejected')).toBe(false);
    t = 10_000;
    expect(limited('warn', 'a', { reason: 'a' }, 'rejected')).toBe(true);
    t = 30_000;
    expect(limited('warn', 'a', { reason: 'a' }, 'rejected')).toBe(true);
    expect(lines.map((l) => [l.reason, l.suppressed])).toEqual([['a', undefined], ['b', undefined], ['a', 8], ['a', undefined]]);
    expect(lines.every((l) => l.level === 40 && l.msg === 'rejected')).toBe(true);
  });
});
