// Shared helpers of the chaos suite (`npm run chaos`, bench/chaos.ts and its scenario files):
// a private AOF redis-server, a fresh PostgreSQL database, a local Slack that injects faults and
// the service as a child process. Importing this file runs nothing.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { FakeSlack } from '../test/support/fake-slack.js';
import { freePort, PrivateRedis } from '../test/support/private-redis.js';
import { TEST_MODEL_PATH } from '../test/support/shared-assets.js';
import { postSignedToSlackApp } from '../test/support/slack-signing.js';
import { spawnService, until, type ChildService } from '../test/support/child-service.js';
import { uniqueId } from '../test/support/test-config.js';

export const SECRET = 'chaos-secret';
let failed = false;
/** Whether any scenario reported a broken guarantee. */
export const chaosFailed = () => failed;

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
