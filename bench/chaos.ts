// `npm run chaos`: the intake's guarantees under the faults a chaos tester would try, on real
// Redis (a private, AOF-backed redis-server that can be SIGKILLed), real PostgreSQL, the tiny
// model, a local Slack that injects faults, and the service as a child process (`npm start`'s
// entry) that can be SIGKILLed. Prints one line of figures per scenario; exits 1 if any
// guarantee was broken. `CHAOS_ONLY=retries,crash` runs a subset. Helpers: bench/chaos-support.ts.
import { hasRedisServer } from '../test/support/private-redis.js';
import { hasTestModel } from '../test/support/shared-assets.js';
import { slackEventEnvelope } from '../test/support/slack-signing.js';
import { until } from '../test/support/child-service.js';
import { fmt, quantile } from './stats.js';
import { badInputScenario } from './chaos-bad-input.js';
import { slackFaultScenarios } from './chaos-slack-faults.js';
import { chaosFailed, countReplies, mention, pool, report, resendUntilAcked, send, setUp, startChild, tearDown } from './chaos-support.js';

const ONLY = process.env.CHAOS_ONLY?.split(',');

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
process.exit(chaosFailed() ? 1 : 0);
