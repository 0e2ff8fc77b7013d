// `npm run chaos`: the intake's guarantees under the faults a chaos tester would try, on real
// Redis (a private, AOF-backed redis-server that can be SIGKILLed), real PostgreSQL, the tiny
// model, a local Slack that injects faults, and the service as a child process (`npm start`'s
// entry) that can be SIGKILLed. Prints one line of figures per scenario; exits 1 if any
// guarantee was broken. `CHAOS_ONLY=retries,crash` runs a subset.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { FakeSlack } from '../test/support/fake-slack.js';
import { freePort, hasRedisServer, PrivateRedis } from '../test/support/private-redis.js';
import { TEST_MODEL_PATH, hasTestModel } from '../test/support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../test/support/slack-signing.js';
import { spawnService, until, type ChildService } from '../test/support/child-service.js';
import { uniqueId } from '../test/support/test-config.js';
import { fmt, quantile } from './stats.js';
import { badInputScenario } from './chaos-bad-input.js';
import { slackFaultScenarios } from './chaos-slack-faults.js';

export const SECRET = 'chaos-secret';
const ONLY = process.env.CHAOS_ONLY?.split(',');
let failed = false;

export interface ChaosEnv {
  fake: FakeSlack;
  redis: PrivateRedis;
  port: number;
  env: Record<string, string>;
}

/** A fresh PostgreSQL database per scenario (the service migrates it). */
function freshDatabase(): string {
  const name = uniqueId('r1chaos').toLowerCase();
  execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-qc', `CREATE DATABASE ${name}`]);
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

export async function setUp(extra: Record<string, string> = {}): Promise<ChaosEnv> {
  const fake = await new FakeSlack().start();
  const redis = await new PrivateRedis(await freePort(), `/tmp/${uniqueId('r1chaosredis')}`).start();
  const port = await freePort();
  const env = {
    PORT: String(port), ROLE: 'all', LOG_LEVEL: 'warn', REDIS_URL: redis.url, QUEUE_PREFIX: 'r1', DATABASE_URL: freshDatabase(), DATA_DIR: `/tmp/${uniqueId('r1chaosdata')}`,
    MODEL_PATH: TEST_MODEL_PATH, LLAMA_THREADS: '1', LLAMA_SEQUENCES: '8', LLAMA_CONTEXT_SIZE: '2048', LLAMA_GPU: 'false', LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: '8',
    SLACK_BOT_TOKEN: 'xoxb-chaos', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LIVE_UPDATES: 'false', JOB_LOCK_MS: '3000',
    RATE_LIMIT_USER_PER_MIN: '1000000', RATE_LIMIT_CHANNEL_PER_MIN: '1000000', ...extra,
  };
  return { fake, redis, port, env };
}

export async function startChild(c: ChaosEnv): Promise<ChildService> {
  const child = spawnService(c.env);
  await until(async () => (await fetch(`http://127.0.0.1:${c.port}/readyz`).catch(() => null))?.status === 200, 120_000, 'the service to be ready');
  return child;
}

export async function tearDown(c: ChaosEnv, child?: ChildService): Promise<void> {
  if (child && child.proc.exitCode === null) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
  await c.redis.kill();
  await c.fake.close();
  rmSync(c.redis.dir, { recursive: true, force: true });
}

let tsN = 0;
export const mention = (i: number, tag: string) => {
  const ts = `1900000000.${String(++tsN).padStart(6, '0')}`;
  return { type: 'app_mention', user: `U${i % 50}`, text: `<@UBOT> ${tag} question ${i}`, ts, channel: `C${i % 20}`, event_ts: ts };
};

/** Posts one signed event; resolves with the HTTP status (0 when the connection failed) and the time it took. */
export async function send(c: ChaosEnv, body: string, retryNum?: number): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await postSignedToSlackApp(`http://127.0.0.1:${c.port}/slack/events`, SECRET, body, { retryNum }).catch(() => null);
  return { status: res?.status ?? 0, ms: performance.now() - t0 };
}

/** Final replies per thread (the delivery's posts carry the `r1_reply` metadata). */
export function repliesPerThread(fake: FakeSlack): Map<string, number> {
  const m = new Map<string, number>();
  for (const msg of fake.messages) {
    const meta = msg.metadata as { event_type?: string } | undefined;
    if (meta?.event_type !== 'r1_reply' || !msg.thread_ts) continue;
    m.set(msg.thread_ts, (m.get(msg.thread_ts) ?? 0) + 1);
  }
  return m;
}

/** Waits until every thread has a reply (or the time is up), then counts lost and duplicated ones. */
export async function countReplies(c: ChaosEnv, threads: string[], timeoutMs: number): Promise<{ lost: number; duplicated: number; answered: number }> {
  const t0 = Date.now();
  for (;;) {
    const per = repliesPerThread(c.fake);
    const answered = threads.filter((t) => (per.get(t) ?? 0) > 0).length;
    if (answered === threads.length || Date.now() - t0 > timeoutMs) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1500)); // late duplicates would show up here
  const per = repliesPerThread(c.fake);
  return {
    answered: threads.filter((t) => (per.get(t) ?? 0) > 0).length,
    lost: threads.filter((t) => !per.get(t)).length,
    duplicated: threads.filter((t) => (per.get(t) ?? 0) > 1).length,
  };
}

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}

export function report(name: string, ok: boolean, figures: string): void {
  if (!ok) failed = true;
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${name.padEnd(34)} ${figures}\n`);
}

/** Re-sends, as Slack would, every event that got no 2xx, until each has one (or the time is up). */
export async function resendUntilAcked(c: ChaosEnv, bodies: string[], timeoutMs = 60_000): Promise<number> {
  let pending = bodies;
  let retryNum = 1;
  const t0 = Date.now();
  while (pending.length && Date.now() - t0 < timeoutMs) {
    const res = await pool(pending, 20, (b) => send(c, b, retryNum));
    pending = pending.filter((_, i) => res[i]!.status < 200 || res[i]!.status >= 300);
    retryNum = Math.min(3, retryNum + 1);
    if (pending.length) await new Promise((r) => setTimeout(r, 500));
  }
  return pending.length;
}

async function retriesScenario(): Promise<void> {
  const N = Number(process.env.CHAOS_RETRIES_N ?? 1000);
  const c = await setUp();
  const child = await startChild(c);
  try {
    const evs = Array.from({ length: N }, (_, i) => mention(i, 'retry'));
    const acks: number[] = [];
    let non2xx = 0;
    await pool(evs, 50, async (ev) => {
      const body = slackEventEnvelope(ev);
      for (const retryNum of [undefined, 1, 2, 3]) {
        const r = await send(c, body, retryNum);
        acks.push(r.ms);
        if (r.status !== 200) non2xx++;
      }
    });
    const r = await countReplies(c, evs.map((e) => e.ts), 600_000);
    report(`${N} mentions × 4 deliveries`, r.lost === 0 && r.duplicated === 0 && non2xx === 0,
      `replies ${r.answered}/${N}, lost ${r.lost}, duplicated ${r.duplicated}, non-2xx ${non2xx}; ack p50 ${fmt(quantile(acks, 0.5))} ms, p99 ${fmt(quantile(acks, 0.99))} ms`);
  } finally {
    await tearDown(c, child);
  }
}

async function crashScenario(): Promise<void> {
  const N = 300;
  const c = await setUp();
  let child = await startChild(c);
  try {
    const evs = Array.from({ length: N }, (_, i) => mention(i, 'crash'));
    const bodies = evs.map((e) => slackEventEnvelope(e));
    const statuses: number[] = [];
    // ~100 events/s, as a busy workspace would send them; the process is SIGKILLed once a third
    // of them were acknowledged, so acked events, in-flight requests and unsent ones all exist.
    let ackedSoFar = 0;
    await pool(bodies, 10, async (b, i) => {
      await new Promise((r) => setTimeout(r, i * 10));
      statuses[i] = (await send(c, b)).status;
      if (statuses[i] === 200 && ++ackedSoFar === Math.floor(N / 3)) child.proc.kill('SIGKILL');
    });
    await child.exited;
    const acked = statuses.filter((s) => s === 200).length;
    child = await startChild(c);
    const unacked = bodies.filter((_, i) => statuses[i] !== 200);
    const still = await resendUntilAcked(c, unacked);
    const r = await countReplies(c, evs.map((e) => e.ts), 300_000);
    report('300 mentions, SIGKILL mid-burst', r.lost === 0 && r.duplicated === 0 && still === 0,
      `acked before the kill ${acked}, re-sent ${unacked.length}; replies ${r.answered}/${N}, lost ${r.lost}, duplicated ${r.duplicated}`);
  } finally {
    await tearDown(c, child);
  }
}

async function redisCrashScenario(): Promise<void> {
  const N = 300;
  const c = await setUp();
  const child = await startChild(c);
  try {
    const evs = Array.from({ length: N }, (_, i) => mention(i, 'redis'));
    const bodies = evs.map((e) => slackEventEnvelope(e));
    const statuses: number[] = [];
    const crash = (async () => {
      await new Promise((r) => setTimeout(r, 1000));
      await c.redis.kill();
      await new Promise((r) => setTimeout(r, 1500));
      await c.redis.start();
    })();
    await pool(bodies, 10, async (b, i) => {
      await new Promise((r) => setTimeout(r, i * 10));
      statuses[i] = (await send(c, b)).status;
    });
    await crash;
    const acked = statuses.filter((s) => s === 200).length;
    await until(async () => (await fetch(`http://127.0.0.1:${c.port}/readyz`).catch(() => null))?.status === 200, 60_000, 'ready after the Redis restart');
    const unacked = bodies.filter((_, i) => statuses[i] !== 200);
    const still = await resendUntilAcked(c, unacked);
    const r = await countReplies(c, evs.map((e) => e.ts), 300_000);
    report('Redis (AOF) SIGKILL under load', r.lost === 0 && r.duplicated === 0 && still === 0,
      `acked ${acked}, refused while down ${unacked.length} (re-sent); replies ${r.answered}/${N}, lost ${r.lost}, duplicated ${r.duplicated}`);
  } finally {
    await tearDown(c, child);
  }
}

const scenarios: Array<[string, () => Promise<void>]> = [
  ['retries', retriesScenario],
  ['crash', crashScenario],
  ['redis', redisCrashScenario],
  ...slackFaultScenarios,
  ['bad-input', badInputScenario],
];

if (!hasTestModel || !hasRedisServer) {
  process.stdout.write(`chaos: skipped (${!hasTestModel ? 'no test model in ../shared/models' : 'no redis-server on PATH'})\n`);
  process.exit(0);
}
for (const [name, fn] of scenarios) {
  if (ONLY && !ONLY.includes(name)) continue;
  try {
    await fn();
  } catch (e) {
    report(name, false, `error: ${(e as Error).message}`);
  }
}
process.exit(failed ? 1 : 0);
