import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { importRegistryFiles, listAssets, listRecentDiagnoses, recordAudit, type ImportResult, type Runtime } from '../../../src/index.js';
import { html, when, type SafeHtml } from '../html.js';
import { ICONS } from '../icons.js';
import { page } from '../layout.js';
import { hasValidCsrfToken } from '../web-auth.js';
import { HTML, adminRoute, adminUploadRoute, userOf } from './admin-routes.js';

const REGISTRY_TYPES = /\.(csv|ya?ml)$/i;

function importReport(r: ImportResult): SafeHtml {
  const issues = r.summaries.flatMap((s) => s.issues.map((i) => ({ file: path.basename(s.file), ...i })));
  return html`<div class="${r.written ? 'ok' : 'error'}" role="${r.written ? 'status' : 'alert'}">
    ${r.written ? html`<p><strong>Imported.</strong> ${r.summaries.map((s) => `${path.basename(s.file)}: ${s.kind ?? '?'} ${s.inserted} new, ${s.updated} updated`).join(' · ')}</p>`
      : html`<p><strong>Nothing was imported</strong>: fix these lines and upload again (all files are written together or not at all).</p>`}
    ${issues.length ? html`<ul class="issues">${issues.map((i) => html`<li><span class="mono">${i.file}:${i.line}</span> ${i.message}</li>`)}</ul>` : ''}
    ${r.warnings.length ? html`<p class="small">Warnings:</p><ul class="issues">${r.warnings.map((w) => html`<li><span class="mono">${path.basename(w.file)}:${w.line}</span> ${w.message}</li>`)}</ul>` : ''}
  </div>`;
}

/** `/admin/diagnoses`: the asset registry (import CSV/YAML with line-numbered errors), diagnoses with their outcome, one asset's history. */
export function registerDiagnosesRoutes(web: FastifyInstance, rt: Runtime): void {
  const { db } = rt;

  async function render(req: FastifyRequest, reply: FastifyReply, q: Record<string, string | undefined>, report?: ImportResult, code = 200) {
    const user = userOf(req);
    const asset = q.asset?.trim() || undefined;
    const outcome = q.outcome === 'resolved' || q.outcome === 'escalated' || q.outcome === 'open' ? q.outcome : undefined;
    const [assets, diagnoses] = await Promise.all([listAssets(db), listRecentDiagnoses(db, { assetId: asset, outcome, limit: 100 })]);
    const body = html`<div class="page-head"><h1>Diagnoses</h1><span class="muted small">${assets.length} assets in the registry</span></div>
  ${report ? importReport(report) : ''}
  <div class="grid two">
  <section class="card" aria-labelledby="imp-h"><h2 id="imp-h">Import the asset registry</h2>
    <form method="post" action="/admin/diagnoses/import" enctype="multipart/form-data">
      <input type="hidden" name="_csrf" value="${user.csrfToken}">
      <div class="field"><label for="reg-files">CSV or YAML files (assets, fault codes)</label><input id="reg-files" name="files" type="file" multiple required accept=".csv,.yaml,.yml"></div>
      <p class="muted small">Same format as <code>npm run assets -- import</code>. Errors are reported with their line; nothing is written unless every file is valid.</p>
      <button class="button primary" type="submit">Import</button>
    </form>
  </section>
  <section class="card" aria-labelledby="assets-h"><h2 id="assets-h">Assets</h2>
    ${assets.length ? html`<div class="table-wrap scroll-y"><table><thead><tr><th scope="col">Asset</th><th scope="col">Name</th><th scope="col">Model</th><th scope="col">Location</th></tr></thead><tbody>
      ${assets.map((a) => html`<tr><th scope="row"><a href="/admin/diagnoses?asset=${encodeURIComponent(a.id)}">${a.id}</a></th><td>${a.name}</td><td>${a.model}</td><td class="small">${a.location}</td></tr>`)}
    </tbody></table></div>` : html`<p class="muted">The registry is empty.</p>`}
  </section>
  </div>
  <section class="card" aria-labelledby="diag-h"><h2 id="diag-h">${asset ? `History of ${asset}` : 'Recent diagnoses'}</h2>
    <form class="toolbar" method="get" action="/admin/diagnoses">
      <div class="field"><label for="d-asset">Asset</label><input id="d-asset" name="asset" type="search" value="${asset ?? ''}" list="asset-ids"></div>
      <datalist id="asset-ids">${assets.map((a) => html`<option value="${a.id}">`)}</datalist>
      <div class="field"><label for="d-outcome">Outcome</label><select id="d-outcome" name="outcome">
        ${[['', 'any'], ['open', 'no outcome yet'], ['resolved', 'resolved'], ['escalated', 'escalated']].map(([v, l]) => html`<option value="${v}" ${outcome === v ? html`selected` : ''}>${l}</option>`)}</select></div>
      <button class="button" type="submit">Show</button>
    </form>
    ${diagnoses.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Asset</th><th scope="col">Fault / request</th><th scope="col">Most likely cause</th><th scope="col">Outcome</th><th scope="col">Asked by</th></tr></thead><tbody>
      ${diagnoses.map((d) => html`<tr><td class="small nowrap">${when(d.createdAt)}</td><td><a href="/admin/diagnoses?asset=${encodeURIComponent(d.assetId)}">${d.assetId}</a></td>
        <td>${d.faultCode ? html`<code>${d.faultCode}</code> ` : ''}<span class="muted small">${d.request}</span></td><td class="small">${d.status === 'answered' ? d.title ?? '' : html`<span class="chip">${d.status}</span>`}</td>
        <td>${d.outcome ? html`<span class="chip ${d.outcome === 'resolved' ? 'up' : 'down'}">${d.outcome}</span> <span class="muted small">${d.outcomeBy ?? ''}</span>` : html`<span class="muted small">open</span>`}${d.feedback ? html` <span class="chip ${d.feedback}" title="${d.feedback === 'up' ? 'helpful' : 'not helpful'}">${d.feedback === 'up' ? ICONS.up : ICONS.down}</span>` : ''}</td>
        <td class="small">${d.platform} · ${d.requestedBy}</td></tr>`)}
    </tbody></table></div>` : html`<p class="muted">No diagnoses${asset ? ` for ${asset}` : ''} yet. They are asked with <code>/diagnose &lt;asset&gt; &lt;fault code or symptom&gt;</code> in Slack, Teams or the console.</p>`}
  </section>`;
    return reply.code(code).type(HTML).send(page({ title: 'Diagnoses', user, surface: 'admin', section: 'diagnoses', scripts: ['admin.js'], body }).value);
  }

  web.get<{ Querystring: Record<string, string | undefined> }>('/admin/diagnoses', adminRoute, (req, reply) => render(req, reply, req.query));

  web.post('/admin/diagnoses/import', adminUploadRoute, async (req, reply) => {
    const user = userOf(req);
    if (!req.isMultipart()) return reply.code(400).send({ error: 'send the files as a multipart form' });
    let csrfOk = hasValidCsrfToken(req, user);
    const dir = await mkdtemp(path.join(tmpdir(), 'r1-registry-'));
    try {
      const files: string[] = [];
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          if (part.fieldname === '_csrf') csrfOk ||= hasValidCsrfToken(req, user, String(part.value));
          continue;
        }
        if (!csrfOk) return reply.code(403).send({ error: 'missing or invalid CSRF token; reload the page and try again' });
        const name = path.basename(part.filename || 'registry').replace(/[^\w.\-]/g, '_');
        if (!REGISTRY_TYPES.test(name)) {
          part.file.resume();
          continue;
        }
        const file = path.join(dir, `${files.length}-${name}`);
        await pipeline(part.file, createWriteStream(file));
        files.push(file);
      }
      if (!csrfOk) return reply.code(403).send({ error: 'missing or invalid CSRF token; reload the page and try again' });
      if (!files.length) return render(req, reply, {}, { summaries: [{ file: 'upload', kind: null, inserted: 0, updated: 0, issues: [{ line: 1, message: 'choose .csv, .yaml or .yml files' }] }], warnings: [], written: false }, 400);
      const result = await importRegistryFiles(db, files);
      // Report the names people uploaded, not the temporary paths.
      for (const s of result.summaries) s.file = path.basename(s.file).replace(/^\d+-/, '');
      for (const w of result.warnings) w.file = path.basename(w.file).replace(/^\d+-/, '');
      if (result.written) {
        await recordAudit(db, {
          actor: user.userId, action: 'assets.import', target: 'asset_registry', origin: `http:${req.ip}`,
          details: { files: result.summaries.map((s) => ({ file: s.file, kind: s.kind, inserted: s.inserted, updated: s.updated })), warnings: result.warnings.length, via: 'web' },
        });
      }
      return render(req, reply, {}, result, result.written ? 200 : 400);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
