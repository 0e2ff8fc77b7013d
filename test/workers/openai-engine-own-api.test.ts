import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createPgDb, diagnosisAnswerSchema, diagnosisJsonSchema, diagnosisResultSchema, getDiagnosisByJobId, migrate, type Db } from '../../src/index.js';
import { STOP_ACTION } from '../../adapters/slack/live-status.js';
import { startService, type Service } from '../../workers/service.js';
import { spawnService, until, type ChildService } from '../support/child-service.js';
import { importTestRegistry } from '../support/diagnosis-fixtures.js';
import { FakeSlack } from '../support/fake-slack.js';
import { hasTestModel, TEST_MODEL_PATH } from '../support/shared-assets.js';
import { postSlashCommand } from '../support/slack-interactions.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../support/slack-signing.js';
import { TEST_REDIS_URL, testConfig, uniqueId } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';
import { createThrowawayDatabase } from '../support/test-database.js';

const SECRET = 'own-api';
let n = 0;

/**
 * ENGINE=openai against this project's own `/v1` API, served by a second process that is the
 * service itself (`workers/main.ts`, ROLE=all, ENGINE=llama, the tiny model, API_KEYS=true): the
 * bot's requests go through that service's queue, its worker and its message log, over real HTTP,
 * SSE and inference on both sides. The bot process loads no model.
 */
describe.skipIf(!hasTestModel)('ENGINE=openai against our own /v1 (the service in a second process, tiny model)', () => {
  let upstream: ChildService;
  let upDatabase: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let upDb: Db;
  let upPort = 0;
  let slack: FakeSlack;
  let db: Db;
  let svc: Service;
  const base = () => `http://127.0.0.1:${svc.port}`;
  /** The upstream's own record of the API questions the bot asked it (its message log). */
  const upstreamRows = async () => (await upDb.query<{ status: string; completion_tokens: number | null; answer: string | null }>(
    `SELECT status, completion_tokens, answer FROM messages WHERE platform = 'api' ORDER BY id`)).rows;
  const upstreamInUse = async () => Number(/^r1_sequences_in_use (\d+)/m.exec(await (await fetch(`http://127.0.0.1:${upPort}/metrics`)).text())?.[1]);
  const mention = async (text: string) => {
    const ts = `1700009500.0000${10 + ++n}`;
    await postSignedToSlackApp(`${base()}/slack/events`, SECRET, slackEventEnvelope({ type: 'app_mention', user: `U${n}`, text: `<@UBOT> ${text}`, ts, channel: 'COWN', event_ts: ts }));
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts);
    return { ts, statusTs: slack.messages.find((m) => m.thread_ts === ts)!.ts };
  };
  const updatesOf = (ts: string) => slack.calls.filter((c) => c.method === 'chat.update' && c.params.ts === ts).map((c) => String(c.params.text));

  beforeAll(async () => {
    upDatabase = await createThrowawayDatabase();
    upDb = await createPgDb({ connectionString: upDatabase.url });
    await migrate(upDb);
    const { key } = await createApiKey(upDb, 'r1-bot');
    upstream = spawnService({
      ROLE: 'all', PORT: '0', LOG_LEVEL: 'info', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueId('r1up'), DATABASE_URL: upDatabase.url,
      DATA_DIR: `/tmp/${uniqueId('r1up')}`, MODEL_PATH: TEST_MODEL_PATH, LLAMA_THREADS: '1', LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '4096',
      LLAMA_GPU: 'false', LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: '1500', API_KEYS: 'true',
      RATE_LIMIT_USER_PER_MIN: '10000', RATE_LIMIT_CHANNEL_PER_MIN: '10000',
    });
    const started = await until(async () => /"port":(\d+)[^\n]*r1-chatops started/.exec(upstream.output()) ?? (upstream.proc.exitCode !== null ? Promise.reject(new Error(upstream.output())) : null), 120_000, 'the upstream service');
    upPort = Number(started[1]);
    slack = await new FakeSlack().start();
    db = await createTestPgDb();
    await migrate(db);
    await importTestRegistry(db);
    svc = await startService(testConfig({
      ENGINE: 'openai', ENGINE_URL: `http://127.0.0.1:${upPort}/v1`, ENGINE_API_KEY: key, ENGINE_MAX_CONCURRENCY: '2',
      MODEL_PATH: '/nonexistent/the-worker-loads-no-model.gguf',
      SLACK_BOT_TOKEN: 'xoxb-own', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, LIVE_UPDATES: 'true', SLACK_STREAMING: 'edit',
      LLAMA_MAX_TOKENS: '800', DIAGNOSIS_MAX_TOKENS: '1400', DIAGNOSIS_REASONING_TOKENS: '0',
    }), { db, host: '127.0.0.1' });
  }, 180_000);
  afterAll(async () => {
    await svc?.close();
    upstream?.proc.kill('SIGTERM');
    await upstream?.exited;
    await upDb?.close();
    await upDatabase?.drop();
    await db?.close();
    await slack?.close();
  });

  it('a Slack mention is answered through the engine with live updates; the /v1/models id is recorded', async () => {
    const { ts, statusTs } = await mention('tell me a long story about the boiler');
    await slack.waitFor((c) => c.method === 'chat.update' && c.params.ts === statusTs && !String(c.params.text).endsWith('▍') && !/Queued|Thinking/.test(String(c.params.text)), 90_000);
    const { rows } = await db.query<{ answer: string; status: string; model_id: string; completion_tokens: number; prompt_tokens: number }>('SELECT answer, status, model_id, completion_tokens, prompt_tokens FROM messages WHERE thread = $1', [ts]);
    const row = rows[0]!;
    expect(row).toMatchObject({ status: expect.stringMatching(/^(answered|delivered)$/), model_id: 'openai:stories260K-r1-test' });
    const streamed = updatesOf(statusTs).filter((t) => t.endsWith(' ▍'));
    // Edits go out about once a second and 800 tiny-model tokens take ~1-2 s on a quiet machine, so
    // one streamed edit is what can be relied on here (several: test/live/live-answers.test.ts).
    expect(streamed.length).toBeGreaterThanOrEqual(1);
    for (const s of streamed) expect(row.answer.replace(/\s+/g, ' ').startsWith(s.slice(0, -2).replace(/\s+/g, ' ').trim())).toBe(true);
    expect(updatesOf(statusTs).at(-1)).toBe(row.answer);
    // Token counts come from the upstream's usage chunk: the same numbers its worker recorded.
    const up = (await upstreamRows()).at(-1)!;
    expect(up.status).toMatch(/^(answered|delivered)$/);
    expect(Number(row.completion_tokens)).toBe(Number(up.completion_tokens));
    expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
  }, 120_000);

  it('Stop aborts the upstream request: its sequence is freed and the reply is marked stopped', async () => {
    const first = await mention('a very long story about the compressor');
    await slack.waitFor((c) => c.method === 'chat.update' && c.params.ts === first.statusTs && String(c.params.text).endsWith('▍'), 60_000);
    const jobId = (slack.calls.find((c) => c.method === 'chat.postMessage' && c.params.thread_ts === first.ts)!.params.blocks as Array<{ elements?: Array<{ value: string }> }>)[1]!.elements![0]!.value;
    expect(await upstreamInUse()).toBe(1);
    const click = await postSignedToSlackApp(`${base()}/slack/events`, SECRET, new URLSearchParams({ payload: JSON.stringify({
      type: 'block_actions', user: { id: 'U1', team_id: 'T1' }, api_app_id: 'A1', token: 'legacy', trigger_id: '1', team: { id: 'T1' },
      channel: { id: 'COWN' }, message: { type: 'message', ts: first.statusTs, thread_ts: first.ts, text: '' }, container: { type: 'message', message_ts: first.statusTs },
      actions: [{ action_id: STOP_ACTION, value: jobId, type: 'button', block_id: 'b', action_ts: '1' }],
    }) }).toString(), { contentType: 'application/x-www-form-urlencoded' });
    expect(click.status).toBe(200);
    await slack.waitFor((c) => c.method === 'chat.update' && c.params.ts === first.statusTs && String(c.params.text).includes('(stopped)'), 30_000);
    // The HTTP request was aborted: the upstream saw its client go, cancelled its job (stopped, in
    // its own message log) and freed the sequence.
    await expect.poll(upstreamInUse, { timeout: 10_000 }).toBe(0);
    await expect.poll(async () => (await upstreamRows()).at(-1)?.status, { timeout: 10_000 }).toBe('stopped');
    const { rows } = await db.query<{ status: string; completion_tokens: number }>('SELECT status, completion_tokens FROM messages WHERE thread = $1', [first.ts]);
    expect(rows[0]!.status).toBe('stopped');
    expect(Number(rows[0]!.completion_tokens)).toBeLessThan(800);
  }, 120_000);

  it('/diagnose: the structured answer comes through response_format json_schema and passes the zod schema', async () => {
    const res = await postSlashCommand(`${base()}/slack/events`, SECRET, '/diagnose', 'P-101 E-214 high vibration after restart', { channel: 'COWN' });
    expect(res.status).toBe(200);
    const root = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.channel === 'COWN' && c.params.thread_ts === undefined && String(c.params.text).startsWith('🔧 Diagnosis for P-101'), 150_000);
    const rootTs = slack.messages.find((m) => m.channel === 'COWN' && m.thread_ts === undefined && m.text === root.params.text)!.ts;
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === rootTs, 150_000);
    const { rows } = await db.query<{ job_id: string; model_id: string }>(`SELECT job_id, model_id FROM messages WHERE kind = 'diagnose' AND status IN ('answered', 'delivered')`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.model_id).toBe('openai:stories260K-r1-test');
    const d = (await getDiagnosisByJobId(db, rows[0]!.job_id))!;
    const result = diagnosisResultSchema.parse(d.result);
    expect(result.asset.id).toBe('P-101');
    expect(result.causes.length).toBeGreaterThan(0);
    // The upstream answered it through its queue with the schema's grammar: its stored answer is that JSON.
    const up = (await upstreamRows()).at(-1)!;
    expect(up.status).toMatch(/^(answered|delivered)$/);
    expect(Object.keys(JSON.parse(up.answer!)).sort()).toEqual(Object.keys(diagnosisJsonSchema(0).properties as object).sort());
    expect(diagnosisAnswerSchema.safeParse(JSON.parse(up.answer!)).success).toBe(true);
  }, 200_000);
});
