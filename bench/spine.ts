// Spine benchmark: aggregate tokens/s through the whole path (signed Slack event → reply posted)
// at 1 and 8 concurrent requests vs node-llama-cpp driven directly (8 LlamaChatSessions on one
// 8-sequence context), and Slack ack latency at 100 events/s vs a bare Bolt app. One run, same
// model and threads; ratios are what to read (these machines are noisy).
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { LlamaChatSession } from 'node-llama-cpp';
import OpenAI from 'openai';
import { createApiKey, createLogger, createPgliteDb, DEFAULT_SYSTEM_PROMPT, InferenceEngine, loadConfig, type Config } from '../src/index.js';
import { startService, type Service } from '../workers/service.js';
import { FakeSlack } from '../test/support/fake-slack.js';
import { TEST_MODEL_PATH, hasTestModel } from '../test/support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../test/support/slack-signing.js';
import { TEST_REDIS_URL, uniqueId } from '../test/support/test-config.js';
import { fmt, median, quantile } from './stats.js';

const MODEL = process.env.BENCH_MODEL_PATH ?? TEST_MODEL_PATH;
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 384);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECRET = 'bench-secret';
const PROMPTS = Array.from({ length: 8 }, (_, i) => `Tell me story number ${i} about a pump that would not start.`);

function benchConfig(fake: FakeSlack, role: 'all' | 'adapters'): Config {
  return loadConfig({}, {
    PORT: '0', ROLE: role, LOG_LEVEL: 'silent', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueId('r1bench'), DATA_DIR: `/tmp/${uniqueId('r1bench')}`,
    MODEL_PATH: MODEL, LLAMA_THREADS: String(THREADS), LLAMA_SEQUENCES: '8', LLAMA_CONTEXT_SIZE: '2048', LLAMA_GPU: 'false',
    LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: String(MAX_TOKENS), SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl,
    LIVE_UPDATES: 'false', // the final reply is the end point measured
    API_KEYS: 'true', API_RATE_LIMIT_PER_MIN: '100000', // the OpenAI-compatible API on the same service
    RATE_LIMIT_USER_PER_MIN: '100000', RATE_LIMIT_CHANNEL_PER_MIN: '100000', // load generation, not abuse
  });
}

/** node-llama-cpp alone: N sessions on the engine's context, prompts run concurrently. */
async function directTokensPerSecond(engine: InferenceEngine, n: number): Promise<number> {
  const seqs = await Promise.all(Array.from({ length: n }, () => engine.pool.acquire()));
  try {
    const sessions = seqs.map((s) => new LlamaChatSession({ contextSequence: s, autoDisposeSequence: false }));
    // Same prompt as the pipeline builds: our system prompt, then the question.
    for (const s of sessions) s.setChatHistory([{ type: 'system', text: DEFAULT_SYSTEM_PROMPT }]);
    let tokens = 0;
    const t0 = performance.now();
    await Promise.all(sessions.map((s, i) => s.prompt(PROMPTS[i]!, { maxTokens: MAX_TOKENS, temperature: 0, onToken: (t) => (tokens += t.length) })));
    const secs = (performance.now() - t0) / 1000;
    for (const s of sessions) s.dispose({ disposeSequence: false });
    return tokens / secs;
  } finally {
    for (const s of seqs) await engine.pool.release(s);
  }
}

let tsN = 0;
/** The whole path: n signed events posted at once → n threaded replies at the fake Slack. */
async function pipelineTokensPerSecond(svc: Service, fake: FakeSlack, n: number): Promise<number> {
  const url = `http://127.0.0.1:${svc.port}/slack/events`;
  const evs = Array.from({ length: n }, (_, i) => {
    const ts = `1800000000.${String(++tsN).padStart(6, '0')}`;
    return { type: 'app_mention', user: 'U1', text: `<@UBOT> ${PROMPTS[i]}`, ts, channel: 'CBENCH', event_ts: ts };
  });
  const t0 = performance.now();
  await Promise.all(evs.map((ev) => postSignedToSlackApp(url, SECRET, slackEventEnvelope(ev))));
  await Promise.all(evs.map((ev) => fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ev.ts, 300_000)));
  const secs = (performance.now() - t0) / 1000;
  const { rows } = await svc.rt.db.query<{ t: number }>('SELECT SUM(completion_tokens)::int AS t FROM messages WHERE thread = ANY($1)', [evs.map((e) => e.ts)]);
  return Number(rows[0]!.t) / secs;
}

/**
 * The OpenAI-compatible API: n streamed completions at once through the official client. Returns
 * aggregate tokens/s (stored completion tokens over wall time) and each request's time to its first
 * SSE chunk (the role chunk, sent once the request is queued) and to its first answer text.
 */
async function apiTokensPerSecond(svc: Service, key: string, n: number): Promise<{ tps: number; firstByteMs: number[]; firstTextMs: number[] }> {
  const client = new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${svc.port}/v1`, maxRetries: 0 });
  const firstByteMs: number[] = [];
  const firstTextMs: number[] = [];
  const t0 = performance.now();
  const ids = await Promise.all(PROMPTS.slice(0, n).map(async (p) => {
    const start = performance.now();
    const stream = await client.chat.completions.create({ model: MODEL.split('/').at(-1)!.replace(/\.gguf$/, ''), messages: [{ role: 'user', content: p }], stream: true });
    let first = true;
    let text = false;
    let id = '';
    for await (const c of stream) {
      id = c.id;
      if (first) firstByteMs.push(performance.now() - start);
      first = false;
      if (!text && c.choices[0]?.delta?.content) {
        text = true;
        firstTextMs.push(performance.now() - start);
      }
    }
    return id;
  }));
  const secs = (performance.now() - t0) / 1000;
  void ids;
  const { rows } = await svc.rt.db.query<{ t: number }>(`SELECT SUM(completion_tokens)::int AS t FROM (SELECT completion_tokens FROM messages WHERE platform = 'api' ORDER BY id DESC LIMIT $1) x`, [n]);
  return { tps: Number(rows[0]!.t) / secs, firstByteMs, firstTextMs };
}

/** Posts `total` signed events at `rate`/s and returns each request's latency (ms). */
async function ackLatencies(url: string, rate: number, total: number): Promise<number[]> {
  const lat: number[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const ts = `1900000000.${String(++tsN).padStart(6, '0')}`;
    const body = slackEventEnvelope({ type: 'app_mention', user: 'U1', text: '<@UBOT> ack bench', ts, channel: 'CACK', event_ts: ts });
    const start = performance.now();
    pending.push(postSignedToSlackApp(url, SECRET, body).then(async (r) => {
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`ack status ${r.status}`);
      lat.push(performance.now() - start);
    }));
  }
  await Promise.all(pending);
  return lat;
}

async function bareBoltUrl(fake: FakeSlack): Promise<{ url: string; stop: () => Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: SECRET, endpoints: '/slack/events', processBeforeResponse: false, logLevel: LogLevel.ERROR });
  const app = new App({ token: 'xoxb-bare', receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: fake.apiUrl } });
  app.event('app_mention', async () => {});
  const server = (await app.start(0)) as Server;
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, stop: async () => void (await app.stop()) };
}

export async function runSpineBench(): Promise<void> {
  if (!hasTestModel && !process.env.BENCH_MODEL_PATH) {
    console.log(`spine bench skipped: no model at ${MODEL}`);
    return;
  }
  console.log(`\n## Spine: model ${MODEL.split('/').at(-1)}, threads ${THREADS}, ${MAX_TOKENS} tokens per answer, median of ${ROUNDS} rounds`);
  const fake = await new FakeSlack().start();
  const engine = await InferenceEngine.create({ modelPath: MODEL, modelUri: 'unused', downloadDir: '/tmp', threads: THREADS, sequences: 8, contextSize: 2048, gpu: 'false' }, createLogger({ level: 'silent' }));
  const db = await createPgliteDb({ dataDir: 'memory://' });
  const svc = await startService(benchConfig(fake, 'all'), { db, engine, host: '127.0.0.1' });
  const direct: Record<number, number[]> = { 1: [], 8: [] };
  const pipe: Record<number, number[]> = { 1: [], 8: [] };
  const api: Record<number, number[]> = { 1: [], 8: [] };
  const firstByte: number[] = [];
  const firstText: number[] = [];
  const apiKey = (await createApiKey(db, 'bench')).key;
  await directTokensPerSecond(engine, 1); // warm-up
  await pipelineTokensPerSecond(svc, fake, 1);
  await apiTokensPerSecond(svc, apiKey, 1);
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of [1, 8]) {
      direct[n]!.push(await directTokensPerSecond(engine, n));
      pipe[n]!.push(await pipelineTokensPerSecond(svc, fake, n));
      const a = await apiTokensPerSecond(svc, apiKey, n);
      api[n]!.push(a.tps);
      firstByte.push(...a.firstByteMs);
      firstText.push(...a.firstTextMs);
    }
  }
  await svc.close();
  await db.close();
  const d1 = median(direct[1]!), d8 = median(direct[8]!), p1 = median(pipe[1]!), p8 = median(pipe[8]!), a1 = median(api[1]!), a8 = median(api[8]!);
  console.log('| path | 1 concurrent tok/s | 8 concurrent tok/s | 8-vs-1 gain |');
  console.log('| --- | --- | --- | --- |');
  console.log(`| node-llama-cpp direct (8 sessions, 1 context) | ${fmt(d1)} | ${fmt(d8)} | ${fmt(d8 / d1, 2)}× |`);
  console.log(`| pipeline (signed event → reply posted) | ${fmt(p1)} | ${fmt(p8)} | ${fmt(p8 / p1, 2)}× |`);
  console.log(`| OpenAI API (streamed, official client) | ${fmt(a1)} | ${fmt(a8)} | ${fmt(a8 / a1, 2)}× |`);
  console.log(`pipeline/direct at 8 concurrent: ${fmt(p8 / d8, 3)} (target ≥ 0.95); gain ratio pipeline/direct: ${fmt(p8 / p1 / (d8 / d1), 3)} (target ≥ 1)`);
  console.log(`API/Slack path: ${fmt(a1 / p1, 3)} at 1, ${fmt(a8 / p8, 3)} at 8 concurrent (target ≥ 1: the API must not be slower); API time to first SSE byte p50 ${fmt(quantile(firstByte, 0.5), 1)} ms, p99 ${fmt(quantile(firstByte, 0.99), 1)} ms; to first answer text p50 ${fmt(quantile(firstText, 0.5), 1)} ms`);

  // Ack latency at 100 events/s: our adapters role (enqueue into Redis) vs a bare Bolt app.
  const RATE = 100, TOTAL = Number(process.env.BENCH_ACK_EVENTS ?? 500);
  const adb = await createPgliteDb({ dataDir: 'memory://' });
  const adapters = await startService(benchConfig(fake, 'adapters'), { db: adb, host: '127.0.0.1' });
  const bare = await bareBoltUrl(fake);
  await ackLatencies(bare.url, RATE, 50); // warm-up both
  await ackLatencies(`http://127.0.0.1:${adapters.port}/slack/events`, RATE, 50);
  const ours = await ackLatencies(`http://127.0.0.1:${adapters.port}/slack/events`, RATE, TOTAL);
  const theirs = await ackLatencies(bare.url, RATE, TOTAL);
  await bare.stop();
  await adapters.rt.queues.inference.obliterate({ force: true });
  await adapters.close();
  await adb.close();
  console.log(`\nSlack ack latency at ${RATE} events/s, ${TOTAL} events:`);
  console.log('| app | p50 ms | p99 ms |');
  console.log('| --- | --- | --- |');
  console.log(`| r1-chatops adapters role | ${fmt(quantile(ours, 0.5), 2)} | ${fmt(quantile(ours, 0.99), 2)} |`);
  console.log(`| bare Bolt app | ${fmt(quantile(theirs, 0.5), 2)} | ${fmt(quantile(theirs, 0.99), 2)} |`);
  console.log(`p50 ratio ours/bare: ${fmt(quantile(ours, 0.5) / quantile(theirs, 0.5), 2)}, p99 ratio: ${fmt(quantile(ours, 0.99) / quantile(theirs, 0.99), 2)}`);
  await engine.close();
  await fake.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runSpineBench();
  process.exit(0);
}
