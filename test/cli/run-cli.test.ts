import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, reportError, UsageError } from '../../src/index.js';

describe('reportError', () => {
  let written = '';
  const spy = () => vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((written += String(s)), true));
  afterEach(() => {
    vi.restoreAllMocks();
    written = '';
  });

  it.each([
    ['a usage error → exit 2 with a pointer to --help', new UsageError('--scope is required'), 2, 'x: --scope is required (see --help)\n'],
    ['any other error → its first line, exit 1', new Error('connect ECONNREFUSED 127.0.0.1:1\n    at somewhere'), 1, 'x: connect ECONNREFUSED 127.0.0.1:1\n'],
    ['a config error names the variable', new ConfigError('PORT', 'PORT: expected number (got "x")'), 1, 'config error: PORT: expected number (got "x")\n'],
    ['an AggregateError without a message shows the first inner one', new AggregateError([new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')]), 1, 'x: connect ECONNREFUSED ::1:5432\n'],
  ])('%s', (_, e, code, line) => {
    spy();
    expect(reportError('x', e)).toBe(code);
    expect(written).toBe(line);
  });

  it('--verbose adds the stack', () => {
    spy();
    reportError('x', new Error('boom'), true);
    expect(written).toMatch(/^x: boom\nError: boom\n\s+at /);
  });
});
