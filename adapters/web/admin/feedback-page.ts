import type { FastifyInstance } from 'fastify';
import { PLATFORMS, getMessageKnowledge, listVotedAnswers, type Platform, type Runtime, type VotedAnswerFilter } from '../../../src/index.js';
import { sourcesList } from '../answer-parts.js';
import { html, when } from '../html.js';
import { ICONS } from '../icons.js';
import { page } from '../layout.js';
import { renderMarkdown } from '../markdown.js';
import { HTML, adminRoute, userOf } from './admin-routes.js';

type Query = Record<string, string | undefined>;

function filterOf(q: Query): VotedAnswerFilter {
  const days = Number(q.days);
  return {
    value: q.value === 'up' || q.value === 'down' ? q.value : undefined,
    platform: (PLATFORMS as readonly string[]).includes(q.platform ?? '') ? (q.platform as Platform) : undefined,
    corrected: q.corrected === '1',
    since: days > 0 ? new Date(Date.now() - days * 86_400_000) : undefined,
    text: q.q?.slice(0, 200),
    limit: q.format ? 1000 : 50,
  };
}

const csvCell = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;

/** `/admin/feedback`: answers with their votes and corrections, filters, and an export (CSV or JSON Lines). */
export function registerFeedbackRoutes(web: FastifyInstance, rt: Runtime): void {
  web.get<{ Querystring: Query }>('/admin/feedback', adminRoute, async (req, reply) => {
    const q = req.query;
    const rows = await listVotedAnswers(rt.db, filterOf(q));
    const withSources = await Promise.all(rows.map(async (r) => ({ ...r, sources: (await getMessageKnowledge(rt.db, r.messageId)).sources })));
    const qs = new URLSearchParams(Object.entries(q).filter(([k, v]) => k !== 'format' && v) as Array<[string, string]>).toString();
    const body = html`<div class="page-head"><h1>Feedback</h1><span class="muted small">${rows.length} answers${rows.length === 50 ? ' (the latest 50)' : ''}</span></div>
  <form class="card toolbar" method="get" action="/admin/feedback" role="search" aria-label="Filter feedback">
    <div class="field"><label for="f-value">Vote</label><select id="f-value" name="value">
      ${[['', 'any'], ['down', 'not helpful'], ['up', 'helpful']].map(([v, l]) => html`<option value="${v}" ${q.value === v ? html`selected` : ''}>${l}</option>`)}</select></div>
    <div class="field"><label for="f-platform">Platform</label><select id="f-platform" name="platform"><option value="">any</option>
      ${PLATFORMS.map((p) => html`<option value="${p}" ${q.platform === p ? html`selected` : ''}>${p}</option>`)}</select></div>
    <div class="field"><label for="f-days">Period</label><select id="f-days" name="days">
      ${[['', 'all time'], ['1', 'last 24 h'], ['7', 'last 7 days'], ['30', 'last 30 days']].map(([v, l]) => html`<option value="${v}" ${q.days === v ? html`selected` : ''}>${l}</option>`)}</select></div>
    <div class="field"><label for="f-q">Question contains</label><input id="f-q" name="q" type="search" value="${q.q ?? ''}"></div>
    <label class="check"><input type="checkbox" name="corrected" value="1" ${q.corrected === '1' ? html`checked` : ''}> with a correction</label>
    <button class="button primary" type="submit">Filter</button>
    <span class="export">Export: <a href="/admin/feedback/export.csv?${qs}">CSV</a> · <a href="/admin/feedback/export.jsonl?${qs}">JSON Lines</a></span>
  </form>
  ${withSources.length ? withSources.map((r) => html`<article class="card feedback-item">
    <header class="fb-head">${r.up ? html`<span class="chip up" title="helpful">${ICONS.up} ${r.up}</span>` : ''}${r.down ? html`<span class="chip down" title="not helpful">${ICONS.down} ${r.down}</span>` : ''}
      <span class="muted small">${r.platform} · ${r.channel === '*' && r.platform === 'web' ? 'everyone' : r.channel} · asked by ${r.userId} · ${when(r.createdAt)}</span>
      ${r.status === 'stopped' ? html`<span class="chip">stopped</span>` : ''}</header>
    <h2 class="question">${r.question}</h2>
    <div class="answer-box">${renderMarkdown(r.answer ?? '(no answer)')}</div>
    ${r.reasoning ? html`<details class="reasoning"><summary>Reasoning</summary><div class="thought">${r.reasoning}</div></details>` : ''}
    ${sourcesList(r.sources)}
    ${r.corrections.length ? html`<div class="corrections"><h3>What would have been right</h3>${r.corrections.map((c) => html`<blockquote><p>${c.text}</p><footer class="muted small">${c.userId}</footer></blockquote>`)}</div>` : ''}
  </article>`) : html`<section class="card"><p class="muted">No answer has votes matching these filters yet.</p></section>`}`;
    return reply.type(HTML).send(page({ title: 'Feedback', user: userOf(req), surface: 'admin', section: 'feedback', scripts: ['admin.js'], body }).value);
  });

  web.get<{ Querystring: Query; Params: { format: string } }>('/admin/feedback/export.:format', adminRoute, async (req, reply) => {
    const rows = await listVotedAnswers(rt.db, { ...filterOf(req.query), limit: 1000 });
    const stamp = new Date().toISOString().slice(0, 10);
    if (req.params.format === 'jsonl') {
      reply.header('content-disposition', `attachment; filename="feedback-${stamp}.jsonl"`);
      return reply.type('application/x-ndjson; charset=utf-8').send(rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
    }
    if (req.params.format !== 'csv') return reply.code(404).send({ error: 'csv or jsonl' });
    const head = ['message_id', 'created_at', 'platform', 'tenant', 'channel', 'asked_by', 'up', 'down', 'status', 'question', 'answer', 'corrections'];
    const lines = rows.map((r) => [r.messageId, r.createdAt.toISOString(), r.platform, r.tenant, r.channel, r.userId, r.up, r.down, r.status, r.question, r.answer, r.corrections.map((c) => c.text).join(' | ')].map(csvCell).join(','));
    reply.header('content-disposition', `attachment; filename="feedback-${stamp}.csv"`);
    return reply.type('text/csv; charset=utf-8').send([head.join(','), ...lines].join('\r\n') + '\r\n');
  });
}
