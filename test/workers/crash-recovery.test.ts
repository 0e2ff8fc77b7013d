import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb, type Db } from '../../src/index.js';
import { spawnService, until, type ChildService } from '../support/child-service.js';
import { FakeSlack } from '../support/fake-slack.js';
import { hasTestModel, TEST_MODEL_PATH } from '../support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../support/slack-signing.js';
import { startTestService } from '../support/start-test-service.js';
import { TEST_REDIS_URL, testConfig, uniqueId } from '../support/test-config.js';
import { createThrowawayDatabase } from '../support/test-database.js';

const SECRET = 'crash-secret';

describe.skipIf(!hasTestModel)('a GPU worker killed mid-generation', () => {
  let fake: FakeSlack;
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let db: Db;
  let adapters: Awaited<ReturnType<typeof startTestService>>;
  const workers: ChildService[] = [];
  const prefix = uniqueId('r1crash');

  const workerEnv = () => ({
    ROLE: 'worker', PORT: '0', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, DATABASE_URL: database.url,
    MODEL_PATH: TEST_MODEL_PATH, LLAMA_THREADS: '1', LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '2048', LLAMA_GPU: 'false',
    LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: '1500', JOB_LOCK_MS: '2000', LOG_LEVEL: 'info',
  });

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    database = await createThrowawayDatabase();
    db = await createPgDb({ connectionString: database.url });
    // The adapters role runs here; GPU workers run as separate processes, as in production.
    adapters = await startTestService(testConfig({
      ROLE: 'adapters', QUEUE_PREFIX: prefix, SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl,
    }), db);
  });
  afterAll(async () => {
    for (const w of workers) w.proc.kill('SIGKILL');
    await adapters?.close();
    await db?.close();
    await database?.drop();
    await fake?.close();
  });

  it('is replaced by a restarted worker and the answer is delivered exactly once', async () => {
    const first = spawnService(workerEnv());
    workers.push(first);
    const ts = '1700003000.000100';
    const res = await postSignedToSlackApp(`${adapters.baseUrl}/slack/events`, SECRET, slackEventEnvelope({
      type: 'app_mention', user: 'U1', text: '<@UBOT> tell me a long story about the chiller', ts, channel: 'C1', event_ts: ts,
    }));
    expect(res.status).toBe(200);
    // Generation has started once the message log has the row (written before the model runs).
    await until(async () => (await db.query('SELECT 1 FROM messages WHERE thread = $1', [ts]).catch(() => ({ rows: [] }))).rows.length > 0, 60_000, 'generation to start');
    first.proc.kill('SIGKILL');
    await first.exited;
    const { rows: mid } = await db.query<{ status: string }>('SELECT status FROM messages WHERE thread = $1', [ts]);
    expect(mid[0]!.status).toBe('generating'); // killed mid-generation, nothing delivered
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);

    const second = spawnService(workerEnv());
    workers.push(second);
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts, 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === ts)).toHaveLength(1);
    const { rows } = await db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM messages WHERE thread = $1', [ts]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('delivered');
    expect(Number(rows[0]!.attempts)).toBe(2);
    second.proc.kill('SIGTERM');
    await second.exited;
  }, 150_000);
});
