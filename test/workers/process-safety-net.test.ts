import { describe, expect, it } from 'vitest';
import { spawnService } from '../support/child-service.js';

const ENTRY = 'test/fixtures/process/safety-net-child.ts';

async function run(mode: 'rejection' | 'exception') {
  const c = spawnService({ MODE: mode }, ENTRY);
  const code = await c.exited;
  const lines = c.output().trim().split('\n');
  return { code, lines, parsed: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('process safety net: one JSON line, then keep serving or exit for the supervisor', () => {
  it('an unhandled rejection is one JSON error line and the process keeps running', async () => {
    const { code, lines, parsed } = await run('rejection');
    expect(code).toBe(0);
    expect(lines).toHaveLength(2); // every line parsed as JSON above: no raw stack dump
    // The logger's stream and the child's own write may interleave either way under load.
    const logged = parsed.filter((p) => p.level !== undefined);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, msg: 'unhandled promise rejection (process keeps serving)', err: { type: 'Error', message: 'boom' } });
    expect(parsed.filter((p) => p.alive === true)).toHaveLength(1);
  }, 30_000);

  it('an uncaught exception is one JSON fatal line, then exit 1', async () => {
    const { code, lines, parsed } = await run('exception');
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ level: 60, msg: 'uncaught exception: exiting for the supervisor to restart', err: { type: 'Error', message: 'boom' } });
  }, 30_000);
});
