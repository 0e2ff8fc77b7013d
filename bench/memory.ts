// `npm run bench:memory`: what the service retains per answered question. The service runs as a
// child process (`npm start`'s entry, as in `npm run chaos`) with Slack (local fake) and Teams
// (local Bot Framework); MEMORY_N questions per surface are answered per step, MEMORY_STEPS steps
// after MEMORY_WARM warm-up questions. After each step it prints VmRSS and the V8 heap (from
// /metrics). With MEMORY_SNAPSHOTS=1 it also takes a heap snapshot (SIGUSR2; a full GC first) after
// the warm-up and after the last step, and prints the growth by constructor: retained objects per
// answered question, which VmRSS alone (GC timing, heap sizing, malloc) cannot show. VmRSS after
// the first snapshot includes the snapshot writer's memory: read VmRSS from a run without snapshots.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { LocalBotFramework, teamsMessage } from '../test/support/local-bot-framework.js';
import { slackEventEnvelope } from '../test/support/slack-signing.js';
import { REPO_ROOT } from '../test/support/child-service.js';
import { hasTestModel } from '../test/support/shared-assets.js';
import { hasRedisServer } from '../test/support/private-redis.js';
import { countReplies, mention, pool, send, setUp, startChild, tearDown } from './chaos-support.js';

const N = Number(process.env.MEMORY_N ?? 100);
const WARM = Number(process.env.MEMORY_WARM ?? 40);
const STEPS = Number(process.env.MEMORY_STEPS ?? 4);
const SNAPSHOTS = process.env.MEMORY_SNAPSHOTS === '1';

if (!hasTestModel || !hasRedisServer) {
  process.stdout.write('bench:memory: skipped (no test model or no redis-server)\n');
  process.exit(0);
}
const vmRssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const out = (s: string) => process.stdout.write(`${s}\n`);

const bf = await new LocalBotFramework().start();
const c = await setUp({ ...bf.settings(), ...(SNAPSHOTS ? { NODE_OPTIONS: '--heapsnapshot-signal=SIGUSR2' } : {}) });
const child = await startChild(c);
const pid = child.proc.pid!;
let asked = 0;
let teamsAccepted = 0;
const teamsPosts = () => bf.calls.filter((x) => x.method === 'POST' && x.body?.type === 'message').length;

/** n Slack mentions and n Teams messages, answered and delivered. */
async function ask(n: number): Promise<void> {
  const evs = Array.from({ length: n }, () => mention(asked++, 'memory'));
  await pool(evs, 8, async (ev) => void (await send(c, slackEventEnvelope(ev))));
  await pool(evs, 8, async () => {
    const res = await bf.postActivity(`http://127.0.0.1:${c.port}/api/messages`, teamsMessage(bf, { text: 'pump P-101?' })).catch(() => null);
    if (res?.status === 200) teamsAccepted++;
  });
  const r = await countReplies(c, evs.map((e) => e.ts), 600_000);
  if (r.lost || r.duplicated) throw new Error(`Slack replies lost ${r.lost}, duplicated ${r.duplicated}`);
  const t0 = Date.now();
  while (teamsPosts() < teamsAccepted && Date.now() - t0 < 120_000) await new Promise((res) => setTimeout(res, 100));
  if (teamsPosts() < teamsAccepted) out(`(Teams: ${teamsAccepted - teamsPosts()} accepted messages not answered within 2 min)`);
}

async function figures(tag: string): Promise<void> {
  const m = await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
  const g = (name: string) => Number(new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(m)?.[1] ?? NaN) / 1048576;
  out(`${tag.padEnd(12)} VmRSS ${vmRssMb(pid).toFixed(1)} MB; V8 heap used ${g('r1_nodejs_heap_size_used_bytes').toFixed(1)} of ${g('r1_nodejs_heap_size_total_bytes').toFixed(1)} MB; external ${g('r1_nodejs_external_memory_bytes').toFixed(1)} MB`);
}

async function snapshot(): Promise<string> {
  const before = new Set(readdirSync(REPO_ROOT));
  child.proc.kill('SIGUSR2');
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const f = readdirSync(REPO_ROOT).find((x) => x.endsWith('.heapsnapshot') && !before.has(x));
    if (!f) continue;
    const p = path.join(REPO_ROOT, f);
    const size = statSync(p).size;
    // Written synchronously: once /healthz answers again and the size holds, it is complete.
    if (size > 0 && (await fetch(`http://127.0.0.1:${c.port}/healthz`).then((r) => r.ok, () => false)) && statSync(p).size === size) return p;
  }
}

/** Self size and count per (node type, constructor name) in a V8 heap snapshot. */
function byConstructor(file: string): Map<string, [number, number]> {
  const j = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const f = j.snapshot.meta.node_fields;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
  const types = j.snapshot.meta.node_types[0];
  const acc = new Map<string, [number, number]>();
  for (let i = 0; i < j.nodes.length; i += f.length) {
    const t = types[j.nodes[i + iType]!]!;
    const name = /string$/.test(t) ? '(strings)' : t === 'code' ? '(compiled code)' : j.strings[j.nodes[i + iName]!]!.slice(0, 60);
    const e = acc.get(`${t} ${name}`) ?? [0, 0];
    e[0]++;
    e[1] += j.nodes[i + iSize]!;
    acc.set(`${t} ${name}`, e);
  }
  return acc;
}

try {
  await ask(WARM);
  await figures(`warm ${WARM}×2`);
  const a = SNAPSHOTS ? await snapshot() : undefined;
  for (let i = 1; i <= STEPS; i++) {
    await ask(N);
    await figures(`+${i * N}×2`);
  }
  if (a) {
    const b = await snapshot();
    const [sa, sb] = [byConstructor(a), byConstructor(b)];
    rmSync(a);
    rmSync(b);
    const answers = 2 * N * STEPS;
    const rows = [...new Set([...sa.keys(), ...sb.keys()])].map((k) => {
      const [ca, za] = sa.get(k) ?? [0, 0];
      const [cb, zb] = sb.get(k) ?? [0, 0];
      return { k, count: cb - ca, bytes: zb - za };
    }).sort((x, y) => y.bytes - x.bytes);
    const total = rows.reduce((s, r) => s + r.bytes, 0);
    out(`heap retained after ${answers} more answers (after a full GC): ${(total / 1048576).toFixed(2)} MB, ${(total / answers).toFixed(0)} bytes per answer; largest:`);
    for (const r of rows.slice(0, 12)) out(`  ${(r.bytes / 1024).toFixed(1).padStart(9)} kB  ${String(r.count).padStart(6)} objects  ${r.k}`);
  }
} finally {
  await tearDown(c, child);
  await bf.close();
}
