// Chaos scenarios where the local Slack Web API misbehaves (FakeSlack's fault injection):
// `post-500` (a 500 after the post was stored) and `reactions-429` (👀 always rate limited).
import type { FakeSlack } from '../test/support/fake-slack.js';
import { slackEventEnvelope } from '../test/support/slack-signing.js';
import { fmt, quantile } from './stats.js';
import { countReplies, mention, pool, report, resendUntilAcked, send, setUp, startChild, tearDown, type ChaosEnv } from './chaos-support.js';

const isReply = (m: { metadata?: unknown }) => (m.metadata as { event_type?: string } | undefined)?.event_type === 'r1_reply';

/** Sends `bodies` at about `perSecond`, `inFlight` at a time; resolves with each one's send time (ms since epoch) and status. */
async function paced(c: ChaosEnv, bodies: string[], perSecond: number, inFlight = 10): Promise<Array<{ at: number; status: number }>> {
  const t0 = Date.now();
  return pool(bodies, inFlight, async (b, i) => {
    const wait = t0 + (i * 1000) / perSecond - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const at = Date.now();
    return { at, status: (await send(c, b)).status };
  });
}

/** Failure replies (the delivery's "Sorry, …") among the final replies of these threads. */
const failureReplies = (fake: FakeSlack, threads: Set<string>) =>
  fake.messages.filter((m) => isReply(m) && m.thread_ts && threads.has(m.thread_ts) && m.text.startsWith('Sorry')).length;

/**
 * Slack answers HTTP 500 *after storing* a fifth of all posting calls (chat.postMessage,
 * chat.update, …, drawn from a seeded PRNG). Nothing retries a post blindly: the delivery job
 * fails, and its next attempt finds the stored reply by its metadata and edits it. Expect every
 * mention answered exactly once.
 */
async function post500Scenario(): Promise<void> {
  const N = Number(process.env.CHAOS_POST500_N ?? 200);
  const c = await setUp();
  c.fake.failAfterStore({ fraction: 0.2, seed: 11 });
  const child = await startChild(c);
  try {
    const evs = Array.from({ length: N }, (_, i) => mention(i, 'post500'));
    const bodies = evs.map((e) => slackEventEnvelope(e));
    const sent = await paced(c, bodies, 50);
    const still = await resendUntilAcked(c, bodies.filter((_, i) => sent[i]!.status !== 200));
    const r = await countReplies(c, evs.map((e) => e.ts), 600_000);
    const stf = c.fake.storedThenFailed;
    const perMethod = new Map<string, number>();
    for (const x of stf) perMethod.set(x.method, (perMethod.get(x.method) ?? 0) + 1);
    const byMethod = [...perMethod].map(([m, n]) => `${m} ${n}`).join(', ');
    const posts = c.fake.calls.filter((x) => x.method === 'chat.postMessage' || x.method === 'chat.postMessage#500').length;
    const fails = failureReplies(c.fake, new Set(evs.map((e) => e.ts)));
    // The retried delivery's look-up of its own reply by metadata (conversations.replies with metadata).
    const lookups = c.fake.callsTo('conversations.replies').filter((x) => x.params.include_all_metadata).length;
    report(`${N} mentions, 20 % of posts 500 after store`, r.lost === 0 && r.duplicated === 0 && still === 0 && stf.length > 0,
      `replies ${r.answered}/${N}, lost ${r.lost}, duplicated ${r.duplicated}, failure replies ${fails}; stored-then-500 ${stf.length} (${byMethod}) of ${posts} postMessage + ${c.fake.callsTo('chat.update').length + c.fake.callsTo('chat.update#500').length} update calls; look-ups by metadata ${lookups}`);
  } finally {
    await tearDown(c, child);
  }
}

/** Median ms from sending each mention to the first post of its reply (the local Slack's receive time). */
async function medianLatency(c: ChaosEnv, tag: string, n: number, offset: number): Promise<{ median: number; p90: number; lost: number; duplicated: number }> {
  const evs = Array.from({ length: n }, (_, i) => mention(offset + i, tag));
  const sent = await paced(c, evs.map((e) => slackEventEnvelope(e)), 5);
  const r = await countReplies(c, evs.map((e) => e.ts), 300_000);
  const firstPost = new Map<string, number>();
  for (const call of c.fake.callsTo('chat.postMessage')) {
    const t = call.params.thread_ts as string | undefined;
    const meta = call.params.metadata as { event_type?: string } | undefined;
    if (t && meta?.event_type === 'r1_reply' && !firstPost.has(t)) firstPost.set(t, call.at);
  }
  const lat = evs.flatMap((e, i) => (firstPost.has(e.ts) && sent[i]!.status === 200 ? [firstPost.get(e.ts)! - sent[i]!.at] : []));
  return { median: quantile(lat, 0.5), p90: quantile(lat, 0.9), lost: r.lost + sent.filter((s) => s.status !== 200).length, duplicated: r.duplicated };
}

/**
 * `reactions.add` (the 👀 "working on it") is always answered 429 with `Retry-After: 30`. The
 * reaction is best effort, and Slack's limits are per method, so answers must keep their pace: 50
 * mentions without the fault and then 50 with it, in one process (after a warm-up), at 5 per
 * second so the time measured is the path, not a backlog.
 *
 * Bound: the median with the fault below 1.5× the median without. The faulted path does the same
 * work (the reaction call is rejected at once and not awaited), so the true ratio is ~1; 1.5
 * leaves room for the noise of a shared 2-core machine. The failure it guards against — any wait
 * on the 30 s `Retry-After` (the old client-wide rate-limit queue paused every call) — would put
 * the median at 30 s or more against a baseline of about a second, a ratio far above 1.5.
 */
async function reactions429Scenario(): Promise<void> {
  const N = Number(process.env.CHAOS_REACTIONS_N ?? 50);
  const c = await setUp();
  const child = await startChild(c);
  try {
    await medianLatency(c, 'warmup', 10, 0);
    const base = await medianLatency(c, 'baseline', N, 1000);
    c.fake.rateLimit('reactions.add', { retryAfterS: 30 });
    const limited = await medianLatency(c, 'limited', N, 2000);
    const n429 = c.fake.callsTo('reactions.add#429').length;
    const ratio = limited.median / base.median;
    report(`${N}+${N} mentions, reactions.add 429 (30 s)`,
      base.lost + base.duplicated + limited.lost + limited.duplicated === 0 && n429 > 0 && ratio < 1.5,
      `send→reply median without ${fmt(base.median)} ms (p90 ${fmt(base.p90)}), with ${fmt(limited.median)} ms (p90 ${fmt(limited.p90)}), ratio ${ratio.toFixed(2)} (bound 1.5); ` +
      `429s ${n429}; lost ${base.lost}+${limited.lost}, duplicated ${base.duplicated}+${limited.duplicated}`);
  } finally {
    await tearDown(c, child);
  }
}

export const slackFaultScenarios: Array<[string, () => Promise<void>]> = [
  ['post-500', post500Scenario],
  ['reactions-429', reactions429Scenario],
];
