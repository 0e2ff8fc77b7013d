// Engine benchmark (ENGINE=openai): aggregate tokens/s through the bot (signed Slack event → queue →
// worker → remote engine → reply posted) ÷ the same engine driven directly with the openai client,
// at 1 and 8 concurrent requests, in one run. The engine is this project's own /v1 over the tiny
// model in a second process (8 sequences), standing in for vLLM: what is measured is the bot's
// overhead around an OpenAI-compatible engine, not the engine. Target: ratio ≥ 0.95.
import OpenAI from 'openai';
import { createPgliteDb, DEFAULT_SYSTEM_PROMPT, loadConfig } from '../src/index.js';
import { startService, type Service } from '../workers/service.js';
import { spawnService, until } from '../test/support/child-service.js';
import { FakeSlack } from '../test/support/fake-slack.js';
import { TEST_MODEL_PATH, hasTestModel } from '../test/support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../test/support/slack-signing.js';
import { TEST_REDIS_URL, uniqueId } from '../test/support/test-config.js';
import { fmt, median } from './stats.js';

const MODEL = process.env.BENCH_MODEL_PATH ?? TEST_MODEL_PATH;
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 384);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECRET = 'bench-engine';
const KEY = 'sk-bench-engine';
const SERVED = 'stories260K-r1-test';
const PROMPTS = Array.from({ length: 8 }, (_, i) => `Tell me story number ${i} about a pump that would not start.`);

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
  await Promise.all(evs.map((ev) => postSignedToSlackApp(url, SECRET, slackEventEnvelope(ev))));
  await Promise.all(evs.map((ev) => fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ev.ts, 300_000)));
  const secs = (performance.now() - t0) / 1000;
  const { rows } = await svc.rt.db.query<{ t: number; c: string; g: string }>(`SELECT SUM(completion_tokens)::int AS t, string_agg(completion_tokens::text, ',') AS c, string_agg(round((timings->>'totalMs')::numeric)::text, ',') AS g FROM messages WHERE thread = ANY($1)`, [evs.map((e) => e.ts)]);
  if (process.env.BENCH_VERBOSE) console.log(`bot n=${n}: tokens ${rows[0]!.c} in ${secs.toFixed(2)} s (generation ms ${rows[0]!.g})`);
  return Number(rows[0]!.t) / secs;
}

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
  const db = await createPgliteDb({ dataDir: 'memory://' });
  const svc = await startService(loadConfig({}, {
    PORT: '0', ROLE: 'all', LOG_LEVEL: 'silent', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueId('r1bench'), DATA_DIR: `/tmp/${uniqueId('r1bench')}`,
    ENGINE: 'openai', ENGINE_URL: engineUrl, ENGINE_API_KEY: KEY, ENGINE_MAX_CONCURRENCY: '8',
    LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: String(MAX_TOKENS), SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl,
    LIVE_UPDATES: 'false', RATE_LIMIT_USER_PER_MIN: '100000', RATE_LIMIT_CHANNEL_PER_MIN: '100000',
  }), { db, host: '127.0.0.1' });
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
  const d1 = median(direct[1]!), d8 = median(direct[8]!), b1 = median(bot[1]!), b8 = median(bot[8]!);
  console.log('| path | 1 concurrent tok/s | 8 concurrent tok/s |');
  console.log('| --- | --- | --- |');
  console.log(`| engine driven directly (openai client, streamed) | ${fmt(d1)} | ${fmt(d8)} |`);
  console.log(`| through the bot, ENGINE=openai (signed event → reply posted) | ${fmt(b1)} | ${fmt(b8)} |`);
  console.log(`bot/direct: ${fmt(b1 / d1, 3)} at 1, ${fmt(b8 / d8, 3)} at 8 concurrent (target ≥ 0.95)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runEngineBench();
  process.exit(0);
}
