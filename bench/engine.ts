// Engine benchmark (ENGINE=openai): aggregate tokens/s through the bot (signed Slack event → queue →
// worker → remote engine → reply posted) ÷ the same engine driven directly with the openai client,
// at 1 and 8 concurrent requests, in one run. The engine is this project's own /v1 over the tiny
// model in a second process (8 sequences), standing in for vLLM: what is measured is the bot's
// overhead around an OpenAI-compatible engine, not the engine. Target: ratio ≥ 0.95.
import OpenAI from 'openai';
import { createLivePublisher, createLogger, createPgliteDb, createRedis, DEFAULT_SYSTEM_PROMPT, loadConfig, OpenAiEngine } from '../src/index.js';
import { startService, type Service } from '../workers/service.js';
import { spawnService, until } from '../test/support/child-service.js';
import { FakeOpenAiEngine } from '../test/support/fake-openai-engine.js';
import { FakeSlack } from '../test/support/fake-slack.js';
import { TEST_MODEL_PATH, hasTestModel } from '../test/support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../test/support/slack-signing.js';
import { TEST_REDIS_URL, uniqueId } from '../test/support/test-config.js';
import { createTestPgDb } from '../test/support/test-db.js';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fmt, median } from './stats.js';

const MODEL = process.env.BENCH_MODEL_PATH ?? TEST_MODEL_PATH;
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 384);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECRET = 'bench-engine';
const KEY = 'sk-bench-engine';
const SERVED = 'stories260K-r1-test';
const PROMPTS = Array.from({ length: 8 }, (_, i) => `Tell me story number ${i} about a pump that would not start.`);

/** Wall time of each direct run, per concurrency (the warm-up's included; rounds are the last ROUNDS). */
const directWallMs: Record<number, number[]> = { 1: [], 8: [] };

/** The engine alone: n streamed completions at once through the official client; tokens from `usage`. */
async function directTokensPerSecond(client: OpenAI, n: number): Promise<number> {
  const t0 = performance.now();
  const counts = await Promise.all(PROMPTS.slice(0, n).map(async (p) => {
    const stream = await client.chat.completions.create({
      model: SERVED, messages: [{ role: 'system', content: DEFAULT_SYSTEM_PROMPT }, { role: 'user', content: p }],
      max_tokens: MAX_TOKENS, temperature: 0, stream: true, stream_options: { include_usage: true },
    });
    let tokens = 0;
    for await (const c of stream) if (c.usage) tokens = c.usage.completion_tokens;
    return tokens;
  }));
  const secs = (performance.now() - t0) / 1000;
  directWallMs[n]!.push(secs * 1000);
  if (process.env.BENCH_VERBOSE) console.log(`direct n=${n}: tokens ${counts.join(',')} in ${secs.toFixed(2)} s`);
  return counts.reduce((a, b) => a + b, 0) / secs;
}

let tsN = 0;
/** Through the bot: n signed events at once → n threaded replies at the fake Slack. */
async function botTokensPerSecond(svc: Service, fake: FakeSlack, n: number): Promise<number> {
  const url = `http://127.0.0.1:${svc.port}/slack/events`;
  const evs = PROMPTS.slice(0, n).map((p) => {
    const ts = `1810000000.${String(++tsN).padStart(6, '0')}`;
    return { type: 'app_mention', user: 'U1', text: `<@UBOT> ${p}`, ts, channel: 'CBENCH', event_ts: ts };
  });
  const t0 = performance.now();
  const epoch0 = Date.now();
  await Promise.all(evs.map((ev) => postSignedToSlackApp(url, SECRET, slackEventEnvelope(ev))));
  await Promise.all(evs.map((ev) => fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ev.ts, 300_000)));
  const secs = (performance.now() - t0) / 1000;
  // Where the time went, per question (ms from the event's POST): the worker took the job (row
  // created), the engine's stream ended (answered_at), the reply was posted (delivered_at).
  const { rows } = await svc.rt.db.query<{ tokens: number; started: number; gen: number; answered: number; delivered: number }>(
    `SELECT completion_tokens AS tokens, (extract(epoch from created_at) * 1000)::float8 AS started, (timings->>'totalMs')::float8 AS gen,
            (extract(epoch from answered_at) * 1000)::float8 AS answered, (extract(epoch from delivered_at) * 1000)::float8 AS delivered
       FROM messages WHERE thread = ANY($1)`, [evs.map((e) => e.ts)]);
  const tokens = rows.reduce((a, r) => a + Number(r.tokens), 0);
  const wallMs = secs * 1000;
  const firstStart = Math.min(...rows.map((r) => r.started)) - epoch0;
  const lastAnswered = Math.max(...rows.map((r) => r.answered));
  const genMs = lastAnswered - Math.min(...rows.map((r) => r.answered - r.gen));
  const afterMs = wallMs - (lastAnswered - epoch0);
  overhead[n]!.push({ beforeMs: firstStart, genMs, afterMs, wallMs });
  if (process.env.BENCH_VERBOSE) console.log(`bot n=${n}: ${tokens} tokens in ${secs.toFixed(2)} s: first job started after ${firstStart.toFixed(0)} ms, engine streams ${genMs.toFixed(0)} ms, last reply posted ${afterMs.toFixed(0)} ms after the last stream ended`);
  return tokens / secs;
}

/**
 * The bot's per-token work, isolated (in process, against the local fake engine, so neither model
 * nor machine noise enters): CPU per streamed delta of the raw openai client (what "direct" does)
 * vs OpenAiEngine (reasoning split, think tags, stall watch, budget) feeding the live publisher
 * (Redis, batched), over the same stream.
 */
async function perTokenCpu(): Promise<{ rawUs: number; botUs: number }> {
  const N = 4000;
  const fake = new FakeOpenAiEngine();
  fake.fallback = { kind: 'stream', deltas: [...Array.from({ length: 400 }, (_, i) => ({ reasoning_content: ` t${i}` })), ...Array.from({ length: N - 400 }, (_, i) => ({ content: ` w${i}` }))] };
  await fake.start();
  const client = new OpenAI({ baseURL: fake.baseUrl, apiKey: 'unused', maxRetries: 0 });
  const engine = new OpenAiEngine({ baseUrl: fake.baseUrl, maxConcurrency: 8, timeoutMs: 30_000, breaker: { errorPercent: 50, minRequests: 1000, windowMs: 10_000, resetMs: 1000 }, log: createLogger({ level: 'silent' }) });
  const redis = createRedis(TEST_REDIS_URL);
  const publisher = createLivePublisher(redis, uniqueId('r1benchlive'));
  let job = 0;
  const raw = async () => {
    const stream = await client.chat.completions.create({ model: fake.model, messages: [{ role: 'user', content: 'x' }], stream: true });
    for await (const c of stream) void c.choices[0]?.delta;
  };
  const bot = async () => {
    const pub = publisher(`j${++job}`);
    await engine.generate({ context: [], question: 'x', maxTokens: N, temperature: 0, onChunk: (c) => pub.chunk(c.kind, c.text) });
    await pub.end('answered');
  };
  const cpuPerToken = async (f: () => Promise<void>) => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < 4; i++) await f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / (4 * N);
  };
  await raw();
  await bot();
  const rawUs: number[] = [];
  const botUs: number[] = [];
  for (let r = 0; r < 3; r++) {
    rawUs.push(await cpuPerToken(raw));
    botUs.push(await cpuPerToken(bot));
  }
  await engine.close();
  await fake.stop();
  redis.disconnect();
  return { rawUs: median(rawUs), botUs: median(botUs) };
}

/** Per round and concurrency: the bot's wall time split into queue hops before, the engine's streams, and store + delivery after. */
const overhead: Record<number, Array<{ beforeMs: number; genMs: number; afterMs: number; wallMs: number }>> = { 1: [], 8: [] };

export async function runEngineBench(): Promise<void> {
  if (!hasTestModel && !process.env.BENCH_MODEL_PATH) {
    console.log(`engine bench skipped: no model at ${MODEL}`);
    return;
  }
  console.log(`\n## Engine (ENGINE=openai): our /v1 over ${MODEL.split('/').at(-1)} in a second process (8 sequences, threads ${THREADS}), ${MAX_TOKENS} tokens per answer, median of ${ROUNDS} rounds`);
  const upstream = spawnService({ API_KEY: KEY, SEQUENCES: '8', THREADS: String(THREADS), MODEL_PATH: MODEL }, 'test/support/api-engine-process.ts');
  const ready = await until(async () => /READY (\d+) (\d+)/.exec(upstream.output()), 180_000, 'the engine process');
  const engineUrl = `http://127.0.0.1:${ready[1]}/v1`;
  const client = new OpenAI({ baseURL: engineUrl, apiKey: KEY, maxRetries: 0 });
  const fake = await new FakeSlack().start();
  // The message log on PostgreSQL, as deployed (PGlite would run every query in the bot's own
  // event loop, next to the stream it is reading); PGlite only when no PostgreSQL answers.
  const db = await createTestPgDb().catch(() => createPgliteDb({ dataDir: 'memory://' }));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const svc = await startService(loadConfig({}, {
    PORT: '0', ROLE: 'all', LOG_LEVEL: 'silent', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueId('r1bench'), DATA_DIR: `/tmp/${uniqueId('r1bench')}`,
    ENGINE: 'openai', ENGINE_URL: engineUrl, ENGINE_API_KEY: KEY, ENGINE_MAX_CONCURRENCY: '8',
    LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: String(MAX_TOKENS), SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl,
    LIVE_UPDATES: 'false', RATE_LIMIT_USER_PER_MIN: '100000', RATE_LIMIT_CHANNEL_PER_MIN: '100000',
  }), { db, host: '127.0.0.1' });
  loop.enable();
  const direct: Record<number, number[]> = { 1: [], 8: [] };
  const bot: Record<number, number[]> = { 1: [], 8: [] };
  await directTokensPerSecond(client, 1); // warm-up
  await botTokensPerSecond(svc, fake, 1);
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of [1, 8]) {
      direct[n]!.push(await directTokensPerSecond(client, n));
      bot[n]!.push(await botTokensPerSecond(svc, fake, n));
    }
  }
  await svc.close();
  await db.close();
  await fake.close();
  upstream.proc.kill('SIGTERM');
  await upstream.exited;
  loop.disable();
  const cpu = await perTokenCpu();
  const d1 = median(direct[1]!), d8 = median(direct[8]!), b1 = median(bot[1]!), b8 = median(bot[8]!);
  // Rounds alternate direct and bot runs; each round's own ratio cancels slow drifts in machine load.
  const r1 = median(bot[1]!.map((b, i) => b / direct[1]![i]!)), r8 = median(bot[8]!.map((b, i) => b / direct[8]![i]!));
  const split = (n: number, k: 'beforeMs' | 'genMs' | 'afterMs') => fmt(median(overhead[n]!.slice(-ROUNDS).map((o) => o[k])), 0);
  console.log('| path | 1 concurrent tok/s | 8 concurrent tok/s |');
  console.log('| --- | --- | --- |');
  console.log(`| engine driven directly (openai client, streamed) | ${fmt(d1)} | ${fmt(d8)} |`);
  console.log(`| through the bot, ENGINE=openai (signed event → reply posted) | ${fmt(b1)} | ${fmt(b8)} |`);
  console.log(`bot time, median ms at 1 | 8 concurrent: event → first job on the worker ${split(1, 'beforeMs')} | ${split(8, 'beforeMs')}; engine streams ${split(1, 'genMs')} | ${split(8, 'genMs')}; last stream end → last reply posted ${split(1, 'afterMs')} | ${split(8, 'afterMs')}`);
  // Streaming alone: the bot's span from the first request to the last stream's end vs the direct run's wall time.
  const streamRatio = (n: number) => fmt(median(overhead[n]!.slice(-ROUNDS).map((o, i) => directWallMs[n]!.slice(-ROUNDS)[i]! / o.genMs)), 3);
  console.log(`streaming alone (direct wall ÷ the bot's engine streams): ${streamRatio(1)} at 1, ${streamRatio(8)} at 8 concurrent`);
  console.log(`bot CPU per streamed token (fake engine, in process): raw openai client ${fmt(cpu.rawUs, 2)} µs, OpenAiEngine + live publisher ${fmt(cpu.botUs, 2)} µs (+${fmt(cpu.botUs - cpu.rawUs, 2)} µs)`);
  console.log(`event-loop delay in the bot process while measuring: p99 ${fmt(loop.percentile(99) / 1e6, 1)} ms, max ${fmt(loop.max / 1e6, 1)} ms; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
  console.log(`BOT/DIRECT tokens/s: ${fmt(r1, 3)} at 1, ${fmt(r8, 3)} at 8 concurrent (median of per-round ratios; target ≥ 0.95)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runEngineBench();
  process.exit(0);
}
