import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindAdapter, getProvenance, type Db } from '../../src/index.js';
import { startService, type Service } from '../../workers/service.js';
import { FakeOpenAiEngine } from '../support/fake-openai-engine.js';
import { FakeSlack } from '../support/fake-slack.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../support/slack-signing.js';
import { testConfig, uniqueId } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';

const SECRET = 'engine-faults';
let n = 0;

/**
 * ENGINE=openai workers against a fake OpenAI-compatible engine, through the whole service: Slack
 * mention → queue → worker → engine → delivery. The faults a real engine cannot be made to show on
 * cue: a connection dropped mid-stream, 429 with Retry-After, the engine down (scaled from 30 s to
 * ~2 s with a short breaker reset; nothing here waits on a fixed sleep).
 */
describe('ENGINE=openai worker faults (fake engine)', () => {
  const engine = new FakeOpenAiEngine();
  let slack: FakeSlack;
  let db: Db;
  let all: Service & { baseUrl?: string };
  let worker: Service;
  const base = (s: Service) => `http://127.0.0.1:${s.port}`;
  const mention = async (text: string, channel = 'CENG') => {
    const ts = `1700009000.0000${10 + ++n}`;
    await postSignedToSlackApp(`${base(all)}/slack/events`, SECRET, slackEventEnvelope({ type: 'app_mention', user: `U${n}`, text: `<@UBOT> ${text}`, ts, channel, event_ts: ts }));
    return ts;
  };
  const repliesIn = (ts: string) => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts).map((c) => String(c.params.text));
  const readyz = async (s: Service) => {
    const r = await fetch(`${base(s)}/readyz`);
    return { status: r.status, body: (await r.json()) as { checks: Record<string, string> } };
  };

  beforeAll(async () => {
    engine.loraModels.push('pumps-lora-v2'); // vLLM --lora-modules pumps-lora-v2=/adapters/pumps
    await engine.start();
    slack = await new FakeSlack().start();
    db = await createTestPgDb();
    const common = {
      ENGINE: 'openai', ENGINE_URL: engine.baseUrl, ENGINE_RETRIES: '0', ENGINE_MAX_CONCURRENCY: '4', ENGINE_TIMEOUT_MS: '5000', ENGINE_STALL_TIMEOUT_MS: '1000', ENGINE_LORA_MODELS: 'pumps=pumps-lora-v2',
      ENGINE_BREAKER_MIN_REQUESTS: '2', ENGINE_BREAKER_RESET_MS: '300', ENGINE_BREAKER_WINDOW_MS: '10000', QUEUE_PREFIX: uniqueId('r1eng'),
    } as const;
    all = await startService(testConfig({ ...common, ROLE: 'all', SLACK_BOT_TOKEN: 'xoxb-e', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl }), { db, host: '127.0.0.1' });
    worker = await startService(testConfig({ ...common, ROLE: 'worker' }), { db, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await worker?.close();
    await all?.close();
    await db?.close();
    await slack?.close();
    await engine.stop();
  });

  it('answers through the engine and records its /v1/models id with the answer', async () => {
    engine.script.push({ kind: 'stream', deltas: [{ reasoning_content: 'Pumps push.' }, { content: 'Check the impeller.' }] });
    const ts = await mention('why does the pump rattle?');
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts && String(c.params.text).includes('Check the impeller.'), 20_000);
    const { rows } = await db.query<{ model_id: string; model_sha256: string | null; reasoning: string; completion_tokens: number }>('SELECT model_id, model_sha256, reasoning, completion_tokens FROM messages WHERE thread = $1', [ts]);
    expect(rows[0]).toMatchObject({ model_id: 'openai:deepseek-ai/DeepSeek-R1', model_sha256: null, reasoning: 'Pumps push.' });
    expect(Number(rows[0]!.completion_tokens)).toBe(2); // from the usage chunk
  }, 30_000);

  it('LoRA: a channel bound to an adapter is answered by the model id the engine serves it under; recorded in the message log, provenance and metrics', async () => {
    await bindAdapter(db, { platform: 'slack', tenant: 'T1', channel: 'CLORA' }, 'pumps', 'test');
    const before = engine.requests.length;
    engine.script.push({ kind: 'stream', deltas: [{ content: 'Adapter answer.' }] });
    const ts = await mention('which seal kit fits?', 'CLORA');
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts && String(c.params.text).includes('Adapter answer.'), 20_000);
    expect(engine.requests[before]!.body.model).toBe('pumps-lora-v2');
    const { rows } = await db.query<{ id: string; adapter: string; adapter_sha256: string | null; model_id: string }>('SELECT id, adapter, adapter_sha256, model_id FROM messages WHERE thread = $1', [ts]);
    expect(rows[0]).toMatchObject({ adapter: 'pumps', adapter_sha256: null, model_id: 'openai:deepseek-ai/DeepSeek-R1' });
    expect((await getProvenance(db, rows[0]!.id))!.adapter).toBe('pumps@openai:pumps-lora-v2');
    const tokens = await Promise.all([worker, all].map((s) => s.rt.metrics.registry.getSingleMetricAsString('r1_generation_tokens_total')));
    expect(tokens.join('\n')).toMatch(/kind="completion",adapter="pumps"} [1-9]/);
  }, 30_000);

  it('a connection dropped mid-stream: the job is retried and the answer delivered once', async () => {
    engine.script.push({ kind: 'drop', deltas: [{ content: 'Half of an ans' }] }, { kind: 'stream', deltas: [{ content: 'The whole answer.' }] });
    const ts = await mention('what is the flow rate?');
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts && String(c.params.text).includes('The whole answer.'), 30_000);
    expect(repliesIn(ts).filter((t) => /answer/i.test(t))).toEqual(['The whole answer.']);
    const { rows } = await db.query<{ attempts: number; status: string }>('SELECT attempts, status FROM messages WHERE thread = $1', [ts]);
    expect(Number(rows[0]!.attempts)).toBe(2);
  }, 40_000);

  it('a stream that stalls mid-answer (connection open, nothing sent): cut after ENGINE_STALL_TIMEOUT_MS, the job is retried and the answer delivered once', async () => {
    engine.script.push({ kind: 'stall', deltas: [{ content: 'Half of a stalled ans' }] }, { kind: 'stream', deltas: [{ content: 'The answer after the stall.' }] });
    const before = engine.requests.length;
    const ts = await mention('what is the suction pressure?');
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts && String(c.params.text).includes('The answer after the stall.'), 30_000);
    expect(repliesIn(ts).filter((t) => /answer|stall/i.test(t))).toEqual(['The answer after the stall.']);
    // The stalled request was hung up on (the engine frees its sequence), then asked again.
    expect(engine.requests.length - before).toBe(2);
    expect(engine.requests[before]!.aborted).toBe(true);
    const { rows } = await db.query<{ attempts: number }>('SELECT attempts FROM messages WHERE thread = $1', [ts]);
    expect(Number(rows[0]!.attempts)).toBe(2);
    // Counted as a timeout by whichever process ran the attempt.
    const errors = await Promise.all([worker, all].map((s) => s.rt.metrics.registry.getSingleMetricAsString('r1_engine_errors_total')));
    expect(errors.join('\n')).toMatch(/kind="timeout"} [1-9]/);
  }, 40_000);

  it('429 with Retry-After: the job waits that long in the queue, then is answered', async () => {
    engine.script.push({ kind: 'status', status: 429, headers: { 'retry-after-ms': '400' } }, { kind: 'stream', deltas: [{ content: 'After the wait.' }] });
    const before = engine.requests.length;
    const ts = await mention('is the chiller ok?');
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts && String(c.params.text).includes('After the wait.'), 20_000);
    expect(engine.requests.length - before).toBe(2);
    expect(repliesIn(ts)).toHaveLength(1);
  }, 30_000);

  it('engine down: jobs wait in the queue (no failure replies), /readyz is 503 on ROLE=worker and names the engine on ROLE=all; back up, the queue drains', async () => {
    await engine.stop();
    const threads = [await mention('first question while down'), await mention('second question while down'), await mention('third question while down')];
    // The failures open the breakers: the ROLE=worker process is not ready, ROLE=all still is.
    await expect.poll(async () => (await readyz(worker)).status, { timeout: 15_000, interval: 100 }).toBe(503);
    expect((await readyz(worker)).body.checks.engine).toMatch(/^engine (down|probing)/);
    await expect.poll(async () => (await readyz(all)).body.checks.engine, { timeout: 15_000, interval: 100 }).toMatch(/^engine (down|probing)/);
    expect((await readyz(all)).status).toBe(200);
    // Several breaker probes fail while it stays down; nobody is told their question failed.
    const probes = engine.modelsCalls;
    expect(await all.rt.metrics.registry.getSingleMetricAsString('r1_engine_errors_total')).toMatch(/kind="connection"} [1-9]/);
    expect(await worker.rt.metrics.registry.getSingleMetricAsString('r1_engine_breaker_state')).toMatch(/r1_engine_breaker_state [12]/);
    for (const ts of threads) expect(repliesIn(ts)).toEqual([]);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE thread = ANY($1) AND status = 'failed'`, [threads]);
    expect(rows[0]!.n).toBe(0);
    engine.fallback = { kind: 'stream', deltas: [{ content: 'Answered after the outage.' }] };
    await engine.start();
    for (const ts of threads) {
      await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts && String(c.params.text).includes('Answered after the outage.'), 30_000);
    }
    expect(engine.modelsCalls).toBeGreaterThan(probes);
    for (const ts of threads) expect(repliesIn(ts)).toHaveLength(1);
    await expect.poll(async () => (await readyz(worker)).status, { timeout: 10_000 }).toBe(200);
    expect((await readyz(all)).body.checks.engine).toBe('ok');
  }, 90_000);
});
