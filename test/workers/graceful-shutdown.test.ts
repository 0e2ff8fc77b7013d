import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb, type Db } from '../../src/index.js';
import { spawnService, until, type ChildService } from '../support/child-service.js';
import { FakeSlack } from '../support/fake-slack.js';
import { hasTestModel, TEST_MODEL_PATH } from '../support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../support/slack-signing.js';
import { startTestService } from '../support/start-test-service.js';
import { TEST_REDIS_URL, testConfig, uniqueId } from '../support/test-config.js';
import { createThrowawayDatabase } from '../support/test-database.js';

const SECRET = 'term-secret';

describe.skipIf(!hasTestModel)('SIGTERM during in-flight generations', () => {
  let fake: FakeSlack;
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let db: Db;
  let adapters: Awaited<ReturnType<typeof startTestService>>;
  const workers: ChildService[] = [];
  const prefix = uniqueId('r1term');
  const workerEnv = () => ({
    ROLE: 'worker', PORT: '0', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, DATABASE_URL: database.url, MODEL_PATH: TEST_MODEL_PATH,
    LLAMA_THREADS: '1', LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '2048', LLAMA_GPU: 'false', LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: '800',
    JOB_LOCK_MS: '3000', LOG_LEVEL: 'info',
  });

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    database = await createThrowawayDatabase();
    db = await createPgDb({ connectionString: database.url });
    adapters = await startTestService(testConfig({ ROLE: 'adapters', QUEUE_PREFIX: prefix, SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl }), db);
  });
  afterAll(async () => {
    for (const w of workers) w.proc.kill('SIGKILL');
    await adapters?.close();
    await db?.close();
    await database?.drop();
    await fake?.close();
  });

  it('finishes the in-flight jobs, takes no new ones, exits 0; the rest are answered after restart, each once', async () => {
    const first = spawnService(workerEnv());
    workers.push(first);
    const evs = Array.from({ length: 5 }, (_, i) => ({ type: 'app_mention', user: 'U1', text: `<@UBOT> long story ${i}`, ts: `1700004000.00010${i}`, channel: 'C1', event_ts: `1700004000.00010${i}` }));
    for (const ev of evs) await postSignedToSlackApp(`${adapters.baseUrl}/slack/events`, SECRET, slackEventEnvelope(ev));
    const generating = async () => (await db.query(`SELECT count(*)::int AS n FROM messages WHERE status = 'generating'`).catch(() => ({ rows: [{ n: 0 }] }))).rows[0] as { n: number };
    await until(async () => (await generating()).n === 2, 60_000, 'two generations in flight');
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('shutting down');
    // The two in-flight answers were finished (not abandoned) before exit; nothing else was started.
    const { rows } = await db.query<{ status: string }>('SELECT status FROM messages ORDER BY id');
    expect(rows.map((r) => r.status).filter((s) => s !== 'generating')).toHaveLength(2);
    expect(rows).toHaveLength(2);
    const second = spawnService(workerEnv());
    workers.push(second);
    await fake.waitForCount((c) => c.method === 'chat.postMessage', 5, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    for (const ev of evs) expect(fake.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === ev.ts)).toHaveLength(1);
    const { rows: done } = await db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM messages');
    expect(done.map((r) => [r.status, Number(r.attempts)])).toEqual(Array(5).fill(['delivered', 1]));
    second.proc.kill('SIGTERM');
    await second.exited;
  }, 200_000);
});
