import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb, type Db } from '../../src/index.js';
import { spawnService, until } from '../support/child-service.js';
import { hasTestModel, NO_MODEL_REASON, TEST_MODEL_PATH } from '../support/shared-assets.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueId } from '../support/test-config.js';

if (!hasTestModel) console.warn(NO_MODEL_REASON);

/** `npm start` as a newcomer runs it: no Slack or Teams credentials, a tiny model, LLAMA_MAX_TOKENS left at its default. */
describe.skipIf(!hasTestModel)('npm start on a newcomer\'s machine', () => {
  let db: Db;
  const schema = uniqueId('first').toLowerCase();
  beforeAll(async () => {
    db = await createPgDb({ connectionString: TEST_DATABASE_URL, schema, max: 1 });
  });
  afterAll(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db?.close();
  });

  const start = (env: Record<string, string>) => spawnService({
    REDIS_URL: TEST_REDIS_URL, DATABASE_URL: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    QUEUE_PREFIX: uniqueId('first'), PORT: '0', MODEL_PATH: TEST_MODEL_PATH, LLAMA_THREADS: '1', LLAMA_GPU: 'false', LLAMA_CONTEXT_SIZE: '1024',
    DATA_DIR: `/tmp/${uniqueId('r1first')}`, ...env,
  });

  it('starts without platform credentials, says how to talk to it, and suggests a lower LLAMA_MAX_TOKENS for a tiny model', { timeout: 90_000 }, async () => {
    const c = start({});
    try {
      await until(async () => c.output().includes('r1-chatops started') || c.proc.exitCode !== null, 80_000, 'start-up');
      const lines = c.output().split('\n');
      expect(lines.filter((l) => l.includes('npm run chat'))).toHaveLength(1);
      expect(lines.find((l) => l.includes('npm run chat'))).toMatch(/no Slack or Teams credentials: talk to the bot with `npm run chat` in another terminal.*SLACK_BOT_TOKEN.*MicrosoftAppId/);
      expect(lines.filter((l) => l.includes('LLAMA_MAX_TOKENS=256'))).toHaveLength(1);
    } finally {
      c.proc.kill('SIGTERM');
      await c.exited;
    }
  });

  it('no LLAMA_MAX_TOKENS suggestion when it is set', { timeout: 90_000 }, async () => {
    const c = start({ LLAMA_MAX_TOKENS: '256' });
    try {
      await until(async () => c.output().includes('r1-chatops started') || c.proc.exitCode !== null, 80_000, 'start-up');
      expect(c.output()).toContain('r1-chatops started');
      expect(c.output()).not.toContain('LLAMA_MAX_TOKENS=256');
    } finally {
      c.proc.kill('SIGTERM');
      await c.exited;
    }
  });
});
