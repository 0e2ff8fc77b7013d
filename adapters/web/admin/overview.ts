import { PLATFORMS, listWorkerStatus, type Runtime, type WorkerStatus } from '../../../src/index.js';
import { html, when, type SafeHtml } from '../html.js';

const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;
const SHOWN = ['waiting', 'active', 'delayed', 'failed'] as const;
/** Throughput is measured over this window of finished answers. */
const WINDOW_S = 300;

export interface OverviewData {
  queues: Array<{ name: string; counts: Record<(typeof STATES)[number], number> }>;
  sequencesInUse: number;
  sequencesTotal: number;
  /** Completion tokens per second of generation, over answers finished in the window. */
  tokensPerSecond: number | null;
  answersInWindow: number;
  live: Array<{ jobId: string; platform: string; channel: string; user: string; startedAt: Date | null }>;
  workers: WorkerStatus[];
  errors: Array<{ at: Date; where: string; message: string }>;
  at: Date;
}

/** Everything the Overview shows, read from Redis (queues, workers) and the message log: the cluster's view, not this process's. */
export async function overviewData(rt: Runtime): Promise<OverviewData> {
  // Every platform's queues, whether or not this process uses them (roles may run elsewhere).
  const all = [rt.queues.inference, ...PLATFORMS.flatMap((p) => [rt.queues.intakeFor(p), rt.queues.deliveryFor(p)])];
  const queues = (await Promise.all(all.map(async (q) => {
    const c = (await q.getJobCounts(...STATES)) as Record<(typeof STATES)[number], number>;
    // BullMQ keeps prioritized jobs apart from the wait list; both are waiting.
    return { name: q.name, counts: { ...c, waiting: c.waiting + c.prioritized } };
  }))).filter((q, i) => i === 0 || STATES.some((s) => q.counts[s] > 0));
  const [workers, active, tps, failedRows] = await Promise.all([
    listWorkerStatus(rt.redis, rt.cfg.QUEUE_PREFIX),
    rt.queues.inference.getActive(0, 49),
    rt.db.query<{ tokens: string | null; seconds: string | null; n: string }>(
      `SELECT sum(completion_tokens) AS tokens, sum((timings->>'totalMs')::float) / 1000 AS seconds, count(*) AS n FROM messages
       WHERE answered_at > now() - make_interval(secs => $1) AND completion_tokens IS NOT NULL`, [WINDOW_S]),
    rt.db.query<{ created_at: Date; platform: string; channel: string; error: string | null }>(
      `SELECT created_at, platform, channel, error FROM messages WHERE status = 'failed' ORDER BY created_at DESC LIMIT 8`),
  ]);
  const failedJobs = (await Promise.all(rt.queues.all().map(async (q) => (await q.getFailed(0, 4)).map((j) => ({ at: new Date(j.finishedOn ?? j.timestamp), where: q.name, message: j.failedReason ?? 'failed' })))))
    .flat();
  const t = tps.rows[0];
  const seconds = Number(t?.seconds ?? 0);
  return {
    queues,
    sequencesInUse: workers.reduce((n, w) => n + w.sequencesInUse, 0),
    sequencesTotal: workers.reduce((n, w) => n + w.sequences, 0),
    tokensPerSecond: seconds > 0 ? Number(t?.tokens ?? 0) / seconds : null,
    answersInWindow: Number(t?.n ?? 0),
    live: active.map((j) => ({
      jobId: String(j.id), platform: String(j.data?.key?.platform ?? ''), channel: String(j.data?.key?.channel ?? ''), user: String(j.data?.user?.id ?? ''),
      startedAt: j.processedOn ? new Date(j.processedOn) : null,
    })),
    workers,
    errors: [...failedRows.rows.map((r) => ({ at: new Date(r.created_at), where: `${r.platform} ${r.channel}`, message: r.error ?? 'failed' })), ...failedJobs]
      .sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, 10),
    at: new Date(),
  };
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;

/** The Overview's live part (re-fetched by the page every few seconds, and readable without JavaScript). */
export function overviewPanel(d: OverviewData): SafeHtml {
  const waiting = d.queues.reduce((n, q) => n + q.counts.waiting, 0);
  return html`<div id="overview-live" data-refresh="/admin/overview/live">
  <div class="stats">
    <div class="stat"><span class="label">Waiting</span><span class="value">${waiting}</span><span class="muted small">questions in the queues</span></div>
    <div class="stat"><span class="label">Sequences</span><span class="value">${d.sequencesInUse}<span class="of"> / ${d.sequencesTotal}</span></span>
      <meter min="0" max="${Math.max(1, d.sequencesTotal)}" value="${d.sequencesInUse}" aria-label="Sequences in use"></meter></div>
    <div class="stat"><span class="label">Tokens/s</span><span class="value">${d.tokensPerSecond === null ? '–' : d.tokensPerSecond.toFixed(1)}</span><span class="muted small">${d.answersInWindow} answers, last ${WINDOW_S / 60} min</span></div>
    <div class="stat"><span class="label">Live answers</span><span class="value">${d.live.length}</span><span class="muted small">generating now</span></div>
  </div>
  <div class="grid two">
    <section class="card"><h2>Queues</h2>
      <div class="table-wrap"><table><thead><tr><th scope="col">Queue</th>${SHOWN.map((s) => html`<th scope="col" class="num">${s}</th>`)}</tr></thead>
      <tbody>${d.queues.map((q) => html`<tr><th scope="row">${q.name}</th>${SHOWN.map((s) => html`<td class="num ${s === 'failed' && q.counts[s] ? 'bad' : ''}">${q.counts[s]}</td>`)}</tr>`)}</tbody></table></div>
      <p class="muted small">Queues of every platform with jobs in them; the others are empty.</p>
    </section>
    <section class="card"><h2>Workers</h2>
      ${d.workers.length ? html`<ul class="workers">${d.workers.map((w) => html`<li>
        <div><strong>${w.model}</strong> <span class="chip">${w.engine}</span></div>
        <div class="muted small">${w.host} · pid ${w.pid} · ${w.sequencesInUse}/${w.sequences} sequences${w.contextSize ? ` · context ${w.contextSize}` : ''}${w.vram ? html` · VRAM ${gib(w.vram.used)} / ${gib(w.vram.total)}` : ''}</div>
        <div class="muted small mono break" title="sha256 of the model file">sha256 ${w.modelSha256 ?? (w.engine === 'openai' ? 'n/a (remote server)' : 'computing…')}</div></li>`)}</ul>`
        : html`<p class="muted">No inference worker is running. Questions wait in the queue until one starts.</p>`}
    </section>
  </div>
  <div class="grid two">
    <section class="card"><h2>Live answers</h2>
      ${d.live.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Platform</th><th scope="col">Channel</th><th scope="col">User</th><th scope="col">Started</th></tr></thead>
        <tbody>${d.live.map((l) => html`<tr><td>${l.platform}</td><td>${l.channel}</td><td>${l.user}</td><td>${when(l.startedAt)}</td></tr>`)}</tbody></table></div>`
        : html`<p class="muted">Nothing is being generated right now.</p>`}
    </section>
    <section class="card"><h2>Recent errors</h2>
      ${d.errors.length ? html`<ul class="errors">${d.errors.map((e) => html`<li><span class="muted small">${when(e.at)} · ${e.where}</span><div>${e.message}</div></li>`)}</ul>`
        : html`<p class="muted">No recent errors.</p>`}
    </section>
  </div>
  <p class="muted small">Updated ${when(d.at)}.</p>
</div>`;
}
