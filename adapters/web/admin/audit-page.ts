import type { FastifyInstance } from 'fastify';
import { listAudit, type AuditFilter, type Runtime } from '../../../src/index.js';
import { html, when } from '../html.js';
import { page } from '../layout.js';
import { HTML, adminRoute, userOf } from './admin-routes.js';

const AREAS: Array<[string, string]> = [['', 'everything'], ['kb.', 'knowledge'], ['api_key.', 'API keys'], ['web.', 'web sign-ins'], ['policy.', 'access policy'], ['assets.', 'asset registry'], ['adapter.', 'adapters']];

/** `/admin/audit`: the append-only audit trail (knowledge changes, API keys, sign-ins, admin actions), newest first. */
export function registerAuditRoutes(web: FastifyInstance, rt: Runtime): void {
  web.get<{ Querystring: Record<string, string | undefined> }>('/admin/audit', adminRoute, async (req, reply) => {
    const q = req.query;
    const filter: AuditFilter = { order: 'desc', limit: 200 };
    if (q.area && AREAS.some(([a]) => a === q.area)) filter.action = q.area;
    if (q.actor?.trim()) filter.actor = q.actor.trim();
    if (q.target?.trim()) filter.target = q.target.trim();
    if (q.before && /^\d+$/.test(q.before)) filter.afterId = q.before;
    const rows = await listAudit(rt.db, filter);
    const next = rows.length === 200 ? new URLSearchParams({ ...Object.fromEntries(Object.entries(q).filter(([, v]) => v) as Array<[string, string]>), before: rows.at(-1)!.id }).toString() : '';
    const body = html`<div class="page-head"><h1>Audit</h1><span class="muted small">append-only · newest first</span></div>
  <form class="card toolbar" method="get" action="/admin/audit" role="search" aria-label="Filter the audit trail">
    <div class="field"><label for="a-area">Area</label><select id="a-area" name="area">${AREAS.map(([v, l]) => html`<option value="${v}" ${q.area === v ? html`selected` : ''}>${l}</option>`)}</select></div>
    <div class="field"><label for="a-actor">Who (exact)</label><input id="a-actor" name="actor" type="search" value="${q.actor ?? ''}" placeholder="web:alice · cli:root"></div>
    <div class="field"><label for="a-target">Target contains</label><input id="a-target" name="target" type="search" value="${q.target ?? ''}" placeholder="scope:plant-a"></div>
    <button class="button primary" type="submit">Filter</button>
  </form>
  <section class="card">${rows.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Details</th><th scope="col">From</th></tr></thead><tbody>
    ${rows.map((r) => html`<tr><td class="small nowrap">${when(r.at)}</td><td>${r.actor}</td><td><code>${r.action}</code></td><td class="break">${r.target ?? ''}</td>
      <td class="small break">${Object.entries(r.details).map(([k, v]) => html`<span class="kv"><span class="muted">${k}</span> ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}</span> `)}</td><td class="small">${r.origin}</td></tr>`)}
  </tbody></table></div>${next ? html`<p><a class="button small" href="/admin/audit?${next}">Older entries</a></p>` : ''}` : html`<p class="muted">Nothing recorded matches.</p>`}</section>`;
    return reply.type(HTML).send(page({ title: 'Audit', user: userOf(req), surface: 'admin', section: 'audit', body }).value);
  });
}
