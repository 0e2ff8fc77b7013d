import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosisResultSchema, getDiagnosisByJobId, migrate, type Db } from '../../src/index.js';
import { STOP_ACTION } from '../../adapters/slack/live-status.js';
import { startService, type Service } from '../../workers/service.js';
import { spawnService, until, type ChildService } from '../support/child-service.js';
import { importTestRegistry } from '../support/diagnosis-fixtures.js';
import { FakeSlack } from '../support/fake-slack.js';
import { hasTestModel, TEST_MODEL_PATH } from '../support/shared-assets.js';
import { postSlashCommand } from '../support/slack-interactions.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../support/slack-signing.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';

const SECRET = 'own-api';
const KEY = 'sk-own-api-test';
let n = 0;
type UpstreamState = { inUse: number; requests: number; aborted: number; results: Array<{ stopped: boolean; completionTokens: number }> };

/**
 * ENGINE=openai against this project's own `/v1` served by a second process running the tiny model:
 * real HTTP, SSE and inference on both sides. The bot process loads no model.
 */
describe.skipIf(!hasTestModel)('ENGINE=openai against our own /v1 in a second process (tiny model)', () => {
  let upstream: ChildService;
  let apiPort = 0;
  let statePort = 0;
  let slack: FakeSlack;
  let db: Db;
  let svc: Service;
  const base = () => `http://127.0.0.1:${svc.port}`;
  const upstreamState = async () => (await (await fetch(`http://127.0.0.1:${statePort}/`)).json()) as UpstreamState;
  const mention = async (text: string) => {
    const ts = `1700009500.0000${10 + ++n}`;
    await postSignedToSlackApp(`${base()}/slack/events`, SECRET, slackEventEnvelope({ type: 'app_mention', user: `U${n}`, text: `<@UBOT> ${text}`, ts, channel: 'COWN', event_ts: ts }));
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts);
    return { ts, statusTs: slack.messages.find((m) => m.thread_ts === ts)!.ts };
  };
  const updatesOf = (ts: string) => slack.calls.filter((c) => c.method === 'chat.update' && c.params.ts === ts).map((c) => String(c.params.text));

  beforeAll(async () => {
    upstream = spawnService({ API_KEY: KEY, SEQUENCES: '2', MODEL_PATH: TEST_MODEL_PATH }, 'test/support/api-engine-process.ts');
    const ready = await until(async () => /READY (\d+) (\d+)/.exec(upstream.output()), 120_000, 'the upstream /v1 process');
    [apiPort, statePort] = [Number(ready[1]), Number(ready[2])];
    slack = await new FakeSlack().start();
    db = await createTestPgDb();
    await migrate(db);
    await importTestRegistry(db);
    svc = await startService(testConfig({
      ENGINE: 'openai', ENGINE_URL: `http://127.0.0.1:${apiPort}/v1`, ENGINE_API_KEY: KEY, ENGINE_MAX_CONCURRENCY: '2',
      MODEL_PATH: '/nonexistent/the-worker-loads-no-model.gguf',
      SLACK_BOT_TOKEN: 'xoxb-own', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, LIVE_UPDATES: 'true', SLACK_STREAMING: 'edit',
      LLAMA_MAX_TOKENS: '800', DIAGNOSIS_MAX_TOKENS: '1400', DIAGNOSIS_REASONING_TOKENS: '0',
    }), { db, host: '127.0.0.1' });
  }, 180_000);
  afterAll(async () => {
    await svc?.close();
    upstream?.proc.kill('SIGTERM');
    await upstream?.exited;
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
    expect(streamed.length).toBeGreaterThanOrEqual(2);
    expect(updatesOf(statusTs).at(-1)).toBe(row.answer);
    // Token counts come from the upstream's usage chunk: the same numbers its engine measured.
    const up = (await upstreamState()).results.at(-1)!;
    expect(Number(row.completion_tokens)).toBe(up.completionTokens);
    expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
  }, 120_000);

  it('Stop aborts the upstream request: its sequence is freed and the reply is marked stopped', async () => {
    const first = await mention('a very long story about the compressor');
    await slack.waitFor((c) => c.method === 'chat.update' && c.params.ts === first.statusTs && String(c.params.text).endsWith('▍'), 60_000);
    const jobId = (slack.calls.find((c) => c.method === 'chat.postMessage' && c.params.thread_ts === first.ts)!.params.blocks as Array<{ elements?: Array<{ value: string }> }>)[1]!.elements![0]!.value;
    const before = await upstreamState();
    expect(before.inUse).toBe(1);
    const click = await postSignedToSlackApp(`${base()}/slack/events`, SECRET, new URLSearchParams({ payload: JSON.stringify({
      type: 'block_actions', user: { id: 'U1', team_id: 'T1' }, api_app_id: 'A1', token: 'legacy', trigger_id: '1', team: { id: 'T1' },
      channel: { id: 'COWN' }, message: { type: 'message', ts: first.statusTs, thread_ts: first.ts, text: '' }, container: { type: 'message', message_ts: first.statusTs },
      actions: [{ action_id: STOP_ACTION, value: jobId, type: 'button', block_id: 'b', action_ts: '1' }],
    }) }).toString(), { contentType: 'application/x-www-form-urlencoded' });
    expect(click.status).toBe(200);
    await slack.waitFor((c) => c.method === 'chat.update' && c.params.ts === first.statusTs && String(c.params.text).includes('(stopped)'), 30_000);
    // The HTTP request was aborted: the upstream saw its client go, stopped generating and freed the sequence.
    await expect.poll(upstreamState, { timeout: 10_000 }).toMatchObject({ inUse: 0, aborted: before.aborted + 1 });
    expect((await upstreamState()).results.at(-1)).toMatchObject({ stopped: true });
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
  }, 200_000);
});
