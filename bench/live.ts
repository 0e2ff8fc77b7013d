// Live-answers benchmark: what showing answers live costs. One run, same engine and model: aggregate
// tokens/s through the whole path (signed Slack event → final reply delivered) at 8 concurrent
// questions with LIVE_UPDATES off, with native Slack streams, and with message edits; plus how
// soon the first answer text is visible and the most edits/appends one message got in one second
// (Slack allows about one update per second per message; the final delivery's edit can add one). Ratios are what to read.
import { createLogger, createPgliteDb, InferenceEngine, loadConfig, type Config } from '../src/index.js';
import { startService, type Service } from '../workers/service.js';
import { FakeSlack } from '../test/support/fake-slack.js';
import { TEST_MODEL_PATH, hasTestModel } from '../test/support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../test/support/slack-signing.js';
import { TEST_REDIS_URL, uniqueId } from '../test/support/test-config.js';
import { fmt, median } from './stats.js';

const MODEL = process.env.BENCH_MODEL_PATH ?? TEST_MODEL_PATH;
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const MAX_TOKENS = Number(process.env.BENCH_LIVE_MAX_TOKENS ?? 1200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const N = 8;
const SECRET = 'bench-live';

type Mode = 'off' | 'native' | 'edit';

function config(fake: FakeSlack, mode: Mode): Config {
  return loadConfig({}, {
    PORT: '0', ROLE: 'all', LOG_LEVEL: 'silent', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueId('r1blive'), DATA_DIR: `/tmp/${uniqueId('r1blive')}`,
    MODEL_PATH: MODEL, LLAMA_THREADS: String(THREADS), LLAMA_SEQUENCES: String(N), LLAMA_CONTEXT_SIZE: String(N * 1536), LLAMA_GPU: 'false',
    LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: String(MAX_TOKENS), SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl,
    LIVE_UPDATES: mode === 'off' ? 'false' : 'true', SLACK_STREAMING: mode === 'off' ? 'auto' : mode,
    RATE_LIMIT_USER_PER_MIN: '100000', RATE_LIMIT_CHANNEL_PER_MIN: '100000',
  });
}

let tsN = 0;
interface Round { tokS: number; firstTextS: number[]; busiestSecond: number }

async function round(svc: Service, fake: FakeSlack): Promise<Round> {
  const url = `http://127.0.0.1:${svc.port}/slack/events`;
  const evs = Array.from({ length: N }, (_, i) => {
    const ts = `1810000000.${String(++tsN).padStart(6, '0')}`;
    return { type: 'app_mention', user: `U${i}`, text: `<@UBOT> Tell me a long story number ${i} about a valve.`, ts, channel: `CLB${i}`, event_ts: ts };
  });
  const t0 = performance.now();
  const wall0 = Date.now();
  await Promise.all(evs.map((ev) => postSignedToSlackApp(url, SECRET, slackEventEnvelope(ev))));
  for (;;) {
    const { rows } = await svc.rt.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM messages WHERE thread = ANY($1) AND delivered_at IS NOT NULL', [evs.map((e) => e.ts)]);
    if (Number(rows[0]!.n) === N) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const secs = (performance.now() - t0) / 1000;
  const { rows } = await svc.rt.db.query<{ t: number }>('SELECT SUM(completion_tokens)::int AS t FROM messages WHERE thread = ANY($1)', [evs.map((e) => e.ts)]);
  const firstTextS: number[] = [];
  let busiest = 0;
  for (const ev of evs) {
    const mine = fake.calls.filter((c) => c.at >= wall0 && c.params.channel === ev.channel && c.method !== 'reactions.add' && c.method !== 'reactions.remove');
    const text = mine.find((c) => (c.method === 'chat.startStream') || (c.method === 'chat.update' && String(c.params.text).endsWith('▍')) || (c.method === 'chat.postMessage' && !String(c.params.text).startsWith('⏳')));
    if (text) firstTextS.push((text.at - wall0) / 1000);
    // Edits and appends to one message within one wall-clock second.
    const perSecond = new Map<string, number>();
    for (const c of mine.filter((x) => x.method === 'chat.update' || x.method === 'chat.appendStream')) {
      const k = `${String(c.params.ts)}@${Math.floor(c.at / 1000)}`;
      perSecond.set(k, (perSecond.get(k) ?? 0) + 1);
    }
    busiest = Math.max(busiest, 0, ...perSecond.values());
  }
  return { tokS: Number(rows[0]!.t) / secs, firstTextS, busiestSecond: busiest };
}

export async function runLiveBench(): Promise<void> {
  if (!hasTestModel && !process.env.BENCH_MODEL_PATH) {
    console.log(`live bench skipped: no model at ${MODEL}`);
    return;
  }
  console.log(`\n## Live answers: model ${MODEL.split('/').at(-1)}, threads ${THREADS}, ${N} concurrent questions, up to ${MAX_TOKENS} tokens each, median of ${ROUNDS} rounds`);
  const fake = await new FakeSlack().start();
  const engine = await InferenceEngine.create({ modelPath: MODEL, modelUri: 'unused', downloadDir: '/tmp', threads: THREADS, sequences: N, contextSize: N * 1536, gpu: 'false' }, createLogger({ level: 'silent' }));
  const modes: Mode[] = ['off', 'native', 'edit'];
  const results: Record<Mode, Round[]> = { off: [], native: [], edit: [] };
  const services = new Map<Mode, { svc: Service; close: () => Promise<void> }>();
  for (const m of modes) {
    const db = await createPgliteDb({ dataDir: 'memory://' });
    const svc = await startService(config(fake, m), { db, engine, host: '127.0.0.1' });
    services.set(m, { svc, close: async () => { await svc.close(); await db.close(); } });
    await round(svc, fake); // warm-up
  }
  // Interleave modes round by round, so drift on a noisy machine hits all three alike.
  for (let r = 0; r < ROUNDS; r++) for (const m of modes) results[m].push(await round(services.get(m)!.svc, fake));
  for (const s of services.values()) await s.close();
  await engine.close();
  await fake.close();
  const tok = (m: Mode) => median(results[m].map((x) => x.tokS));
  const first = (m: Mode) => median(results[m].flatMap((x) => x.firstTextS));
  const busiest = (m: Mode) => Math.max(...results[m].map((x) => x.busiestSecond));
  console.log('| mode | tok/s (8 concurrent) | vs off | first answer text visible, median s | most edits/appends to one message in one second |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| LIVE_UPDATES=false | ${fmt(tok('off'))} | 1 | — (only the final reply) | ${busiest('off')} |`);
  console.log(`| native streams | ${fmt(tok('native'))} | ${fmt(tok('native') / tok('off'), 3)} | ${fmt(first('native'), 2)} | ${busiest('native')} |`);
  console.log(`| message edits | ${fmt(tok('edit'))} | ${fmt(tok('edit') / tok('off'), 3)} | ${fmt(first('edit'), 2)} | ${busiest('edit')} |`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runLiveBench();
  process.exit(0);
}
