import { describe, expect, it } from 'vitest';
import { createPgliteDb, listConversation } from '../../../src/index.js';
import { spawnService, until } from '../../support/child-service.js';
import { hasTestModel, TEST_MODEL_PATH } from '../../support/shared-assets.js';
import { TEST_REDIS_URL, uniqueId } from '../../support/test-config.js';

describe.skipIf(!hasTestModel)('npm run chat (console adapter)', () => {
  it('answers through the queue and the worker, and keeps the thread as context', async () => {
    const dataDir = `/tmp/${uniqueId('r1con')}`;
    const c = spawnService({
      REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueId('r1con'), DATA_DIR: dataDir, MODEL_PATH: TEST_MODEL_PATH,
      LLAMA_THREADS: '1', LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '1024', LLAMA_GPU: 'false', LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: '24', LOG_LEVEL: 'silent',
    }, 'workers/chat.ts', 'pipe');
    await until(async () => c.output().includes('r1 console'), 60_000, 'the REPL banner');
    c.proc.stdin!.write('Once upon a time there was a pump\n');
    await until(async () => (c.output().match(/\nr1> /g) ?? []).length >= 1, 60_000, 'the first answer');
    c.proc.stdin!.write('what happened next?\n');
    c.proc.stdin!.end(); // the REPL exits once the pending answer is printed
    expect(await c.exited).toBe(0);
    expect((c.output().match(/\nr1> \S/g) ?? []).length).toBeGreaterThanOrEqual(2);
    // Both turns are in the message log under one console thread (the history source for console follow-ups).
    const db = await createPgliteDb({ dataDir: `${dataDir}/pglite` });
    const thread = /Thread ([0-9a-f-]{36})/.exec(c.output())![1]!;
    const rows = await listConversation(db, { platform: 'console', tenant: 'local', channel: 'console', thread });
    await db.close();
    expect(rows.map((r) => r.question)).toEqual(['Once upon a time there was a pump', 'what happened next?']);
    expect(rows.every((r) => r.status === 'delivered')).toBe(true);
    // Live answers (the default): each answer streamed into the terminal and was printed exactly once.
    for (const r of rows) {
      const shown = `r1> ${r.answer!.replace(/\n/g, '\nr1> ')}\n`;
      expect(c.output().split(shown).length - 1).toBe(1);
    }
  }, 120_000);
});
