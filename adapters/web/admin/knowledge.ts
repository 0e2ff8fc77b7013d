import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  RagError, SCOPE_NAME_RE, attachScope, deleteDocument, deleteScope, detachScope, ingestPaths, knowledgeForQuestion, listBindings, listChannelSettings,
  listDocuments, listScopes, recordAudit, setWebSearch, type BindingRow, type Runtime,
} from '../../../src/index.js';
import { html, when, type SafeHtml } from '../html.js';
import { page } from '../layout.js';
import { hasValidCsrfToken } from '../web-auth.js';
import { HTML, adminRoute, adminUploadRoute, userOf, type AdminDeps } from './admin-routes.js';
import { CHANNEL_HELP, channelFields, channelFromForm, showChannel } from './channel-form.js';

/** What the upload accepts (the ingest code's formats a browser user has). */
const UPLOAD_TYPES = /\.(md|markdown|txt|text|html?|pdf)$/i;
const safeFileName = (n: string) => path.basename(n).replace(/[^\w.\- ()]/g, '_').slice(0, 120) || 'upload';

type Body = Record<string, unknown>;
const wantsJson = (req: FastifyRequest) => (req.headers.accept ?? '').includes('application/json');

function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

interface TestResult {
  channel: string;
  question: string;
  status: string;
  scopes: string[];
  chunks: Array<{ scope: string; title: string; source: string; section: string; score: number; text: string; web?: boolean }>;
}

interface KnowledgeView {
  scope?: string;
  flash?: { ok: boolean; text: string };
  test?: TestResult;
  testForm?: Body;
}

/**
 * `/admin/knowledge`: scopes and their documents, uploads (ingested with `src/rag/ingest`, as the
 * CLI does), bindings of scopes to Slack/Teams channels, API clients and web groups, web search per
 * channel, and "test a question": the ranked chunks a channel would get, with their scores.
 */
export function registerKnowledgeRoutes(web: FastifyInstance, rt: Runtime, o: AdminDeps): void {
  const { cfg, db } = rt;

  async function render(req: FastifyRequest, reply: FastifyReply, v: KnowledgeView, code = 200) {
    const user = userOf(req);
    const [scopes, bindings, settings] = await Promise.all([listScopes(db), listBindings(db), listChannelSettings(db)]);
    const docs = v.scope ? await listDocuments(db, v.scope) : [];
    const byScope = new Map<string, BindingRow[]>();
    for (const b of bindings) byScope.set(b.scope, [...(byScope.get(b.scope) ?? []), b]);
    const t = user.csrfToken;
    const body = html`<div class="page-head"><h1>Knowledge</h1><span class="muted small">${scopes.length} scopes · ${bindings.length} bindings</span></div>
  ${v.flash ? html`<p class="${v.flash.ok ? 'ok' : 'error'}" role="${v.flash.ok ? 'status' : 'alert'}">${v.flash.text}</p>` : ''}
  <section class="card" aria-labelledby="scopes-h"><h2 id="scopes-h">Scopes</h2>
    ${scopes.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Scope</th><th scope="col" class="num">Documents</th><th scope="col" class="num">Chunks</th><th scope="col">Attached to</th><th scope="col">Updated</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
      ${scopes.map((s) => html`<tr ${v.scope === s.name ? html`class="selected"` : ''}><th scope="row"><a href="/admin/knowledge?scope=${encodeURIComponent(s.name)}#documents">${s.name}</a></th><td class="num">${s.documents}</td><td class="num">${s.chunks}</td>
        <td>${(byScope.get(s.name) ?? []).map((b) => html`<span class="chip">${showChannel(b)}</span> `)}${byScope.has(s.name) ? '' : html`<span class="muted small">nowhere</span>`}</td>
        <td class="small">${when(s.updatedAt)}</td>
        <td><form method="post" action="/admin/knowledge/delete-scope" data-confirm="Delete the scope ${s.name} with its ${s.documents} documents and bindings?">${csrfField(t)}<input type="hidden" name="scope" value="${s.name}"><button class="button small danger" type="submit">Delete</button></form></td></tr>`)}
    </tbody></table></div>` : html`<p class="muted">No scopes yet. Upload documents below, or run <code>npm run ingest -- --scope &lt;name&gt; &lt;folder&gt;</code>.</p>`}
  </section>

  ${v.scope ? html`<section class="card" id="documents" aria-labelledby="docs-h"><h2 id="docs-h">Documents in ${v.scope}</h2>
    ${docs.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Path</th><th scope="col">Title</th><th scope="col" class="num">Version</th><th scope="col" class="num">Chunks</th><th scope="col">Ingested</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
      ${docs.map((d) => html`<tr><td class="mono small break">${d.source}</td><td>${d.title} <span class="chip">${d.format}</span></td><td class="num">${d.version}</td><td class="num">${d.chunks}</td><td class="small">${when(d.ingestedAt)}</td>
        <td><form method="post" action="/admin/knowledge/delete-document" data-confirm="Delete ${d.source} from ${v.scope}?">${csrfField(t)}<input type="hidden" name="scope" value="${v.scope}"><input type="hidden" name="source" value="${d.source}"><button class="button small danger" type="submit">Delete</button></form></td></tr>`)}
    </tbody></table></div>` : html`<p class="muted">No documents in ${v.scope}.</p>`}
  </section>` : ''}

  <div class="grid two">
  <section class="card" aria-labelledby="upload-h"><h2 id="upload-h">Upload documents</h2>
    <form method="post" action="/admin/knowledge/upload" enctype="multipart/form-data" data-upload>
      ${csrfField(t)}
      <div class="field"><label for="up-scope">Scope</label><input id="up-scope" name="scope" type="text" required pattern="[a-z0-9][a-z0-9._\\-]{0,62}" list="scope-names" value="${v.scope ?? ''}" placeholder="plant-a-pumps" aria-describedby="up-help"></div>
      <datalist id="scope-names">${scopes.map((s) => html`<option value="${s.name}">`)}</datalist>
      <div class="field"><label for="up-files">Files (Markdown, text, HTML, PDF)</label><input id="up-files" name="files" type="file" multiple required accept=".md,.markdown,.txt,.html,.htm,.pdf"></div>
      <p class="muted small" id="up-help">A new scope is created on first upload (lower case, digits, <code>.-_</code>). A file with the same name replaces its earlier version.</p>
      <progress max="1" value="0" hidden></progress>
      <p data-upload-status class="small" aria-live="polite"></p>
      <button class="button primary" type="submit">Upload and ingest</button>
    </form>
  </section>

  <section class="card" aria-labelledby="attach-h"><h2 id="attach-h">Attach a scope</h2>
    <form method="post" action="/admin/knowledge/attach" class="stack">
      ${csrfField(t)}
      <div class="field"><label for="at-scope">Scope</label><select id="at-scope" name="scope" required>${scopes.map((s) => html`<option value="${s.name}" ${v.scope === s.name ? html`selected` : ''}>${s.name}</option>`)}</select></div>
      ${channelFields({}, 'at')}
      <p class="muted small" id="at-help">${CHANNEL_HELP}</p>
      <button class="button primary" type="submit">Attach</button>
    </form>
  </section>
  </div>

  <section class="card" aria-labelledby="bind-h"><h2 id="bind-h">Bindings</h2>
    ${bindings.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Platform</th><th scope="col">Workspace / tenant</th><th scope="col">Channel / client / group</th><th scope="col">Scope</th><th scope="col">By</th><th scope="col">Since</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
      ${bindings.map((b) => html`<tr><td>${b.platform}</td><td class="small break">${b.tenant}</td><td>${b.channel === '*' && b.platform === 'web' ? html`<span class="chip">everyone</span>` : b.channel}</td><td><strong>${b.scope}</strong></td><td class="small">${b.createdBy}</td><td class="small">${when(b.createdAt)}</td>
        <td><form method="post" action="/admin/knowledge/detach">${csrfField(t)}<input type="hidden" name="scope" value="${b.scope}"><input type="hidden" name="platform" value="${b.platform}"><input type="hidden" name="team" value="${b.tenant}"><input type="hidden" name="channel" value="${b.channel}"><button class="button small" type="submit">Detach</button></form></td></tr>`)}
    </tbody></table></div>` : html`<p class="muted">No scope is attached anywhere: every answer is model-only.</p>`}
  </section>

  <div class="grid two">
  <section class="card" aria-labelledby="web-h"><h2 id="web-h">Web search per channel</h2>
    ${cfg.WEB_SEARCH_URL ? '' : html`<p class="note">WEB_SEARCH_URL is not set: the setting is kept but has no effect until it is.</p>`}
    ${settings.length ? html`<ul class="plain">${settings.map((s) => html`<li><span class="chip ${s.webSearch ? 'up' : ''}">${s.webSearch ? 'on' : 'off'}</span> ${showChannel(s)}${s.hybridAlpha !== null ? html` <span class="muted small">(local weight ${s.hybridAlpha})</span>` : ''}</li>`)}</ul>` : ''}
    <form method="post" action="/admin/knowledge/web" class="stack">
      ${csrfField(t)}
      ${channelFields({}, 'ws')}
      <div class="field"><label for="ws-mode">Web search</label><select id="ws-mode" name="mode"><option value="on">on</option><option value="off">off</option></select></div>
      <div class="field"><label for="ws-alpha">Local weight (0–1, optional)</label><input id="ws-alpha" name="alpha" type="text" inputmode="decimal" placeholder="${cfg.WEB_HYBRID_ALPHA}"></div>
      <button class="button" type="submit">Save</button>
    </form>
  </section>

  <section class="card" id="test" aria-labelledby="test-h"><h2 id="test-h">Test a question</h2>
    <form method="get" action="/admin/knowledge#test" class="stack">
      ${v.scope ? html`<input type="hidden" name="scope" value="${v.scope}">` : ''}
      ${channelFields(v.testForm ?? {}, 'tq')}
      <div class="field"><label for="tq-q">Question</label><input id="tq-q" name="q" type="search" required value="${String(v.testForm?.q ?? '')}" placeholder="pump shows E-214 after restart"></div>
      <button class="button primary" type="submit">Show the ranked chunks</button>
    </form>
  </section>
  </div>
  ${v.test ? testResults(v.test) : ''}`;
    return reply.code(code).type(HTML).send(page({ title: 'Knowledge', user, surface: 'admin', section: 'knowledge', scripts: ['admin.js'], body }).value);
  }

  const done = (req: FastifyRequest, reply: FastifyReply, ok: boolean, text: string, scope?: string) =>
    wantsJson(req) ? reply.code(ok ? 200 : 400).send({ ok, message: text })
      : render(req, reply, { flash: { ok, text }, scope }, ok ? 200 : 400);

  web.get<{ Querystring: Body }>('/admin/knowledge', adminRoute, async (req, reply) => {
    const q = req.query;
    const scope = typeof q.scope === 'string' && SCOPE_NAME_RE.test(q.scope) ? q.scope : undefined;
    if (typeof q.q !== 'string' || !q.q.trim()) return render(req, reply, { scope });
    const ch = channelFromForm(cfg, q);
    if (typeof ch === 'string') return render(req, reply, { scope, testForm: q, flash: { ok: false, text: ch } }, 400);
    const kn = await knowledgeForQuestion({ db, ...(await o.knowledge()) }, ch, q.q.trim());
    return render(req, reply, {
      scope, testForm: q,
      test: { channel: showChannel(ch), question: q.q.trim(), status: kn.status, scopes: kn.scopes, chunks: kn.chunks.map((c) => ({ scope: c.scope, title: c.title, source: c.source, section: c.headingPath.join(' › '), score: c.score, text: c.text, web: c.web })) },
    });
  });

  web.post('/admin/knowledge/upload', adminUploadRoute, async (req, reply) => {
    const user = userOf(req);
    if (!req.isMultipart()) return done(req, reply, false, 'Send the files as a multipart form.');
    const headerOk = hasValidCsrfToken(req, user);
    const dir = await mkdtemp(path.join(tmpdir(), 'r1-upload-'));
    try {
      let scope = '';
      let csrfOk = headerOk;
      const saved: string[] = [];
      const refused: string[] = [];
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          if (part.fieldname === '_csrf') csrfOk ||= hasValidCsrfToken(req, user, String(part.value));
          if (part.fieldname === 'scope') scope = String(part.value).trim();
          continue;
        }
        // The token comes before the files (header, or the form's first field): nothing is written without it.
        if (!csrfOk) return reply.code(403).send({ error: 'missing or invalid CSRF token; reload the page and try again' });
        if (!part.filename) {
          part.file.resume();
          continue;
        }
        const name = safeFileName(part.filename);
        if (!UPLOAD_TYPES.test(name)) {
          part.file.resume();
          refused.push(name);
          continue;
        }
        await pipeline(part.file, createWriteStream(path.join(dir, name)));
        if (part.file.truncated) return done(req, reply, false, `${name} is larger than WEB_UPLOAD_MAX_BYTES (${cfg.WEB_UPLOAD_MAX_BYTES} bytes).`);
        saved.push(name);
      }
      if (!csrfOk) return reply.code(403).send({ error: 'missing or invalid CSRF token; reload the page and try again' });
      if (!SCOPE_NAME_RE.test(scope)) return done(req, reply, false, 'A scope name is lower case letters, digits, and . - _ (up to 63 characters).');
      if (!saved.length) return done(req, reply, false, refused.length ? `Not a supported type: ${refused.join(', ')} (Markdown, text, HTML, PDF).` : 'Choose at least one file.');
      const s = await ingestPaths({ db, scope, paths: [dir], embedder: o.embedder?.(), maxChars: cfg.RAG_CHUNK_MAX_CHARS, overlapChars: cfg.RAG_CHUNK_OVERLAP_CHARS });
      await recordAudit(db, {
        actor: user.userId, action: 'kb.ingest', target: `scope:${scope}`, origin: `http:${req.ip}`,
        details: { files: s.files, added: s.added, replaced: s.replaced, unchanged: s.unchanged, failed: s.failed.length, chunks: s.chunks, via: 'web' },
      });
      const parts = [`${scope}: ${s.added} added, ${s.replaced} replaced, ${s.unchanged} unchanged, ${s.chunks} chunks`];
      if (s.failed.length) parts.push(`failed: ${s.failed.map((f) => `${f.source} (${f.error})`).join('; ')}`);
      if (refused.length) parts.push(`not a supported type: ${refused.join(', ')}`);
      const text = `${parts.join(' · ')}.`;
      if (wantsJson(req)) return reply.send({ ok: s.failed.length === 0, message: text, failed: s.failed, summary: { ...s, failed: s.failed.length } });
      return render(req, reply, { flash: { ok: s.failed.length === 0, text }, scope });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  web.post<{ Body: Body }>('/admin/knowledge/delete-document', adminRoute, async (req, reply) => {
    const user = userOf(req);
    const scope = String(req.body.scope ?? '');
    const source = String(req.body.source ?? '');
    const ok = await deleteDocument(db, scope, source);
    if (ok) await recordAudit(db, { actor: user.userId, action: 'kb.delete_document', target: `scope:${scope}`, details: { source }, origin: `http:${req.ip}` });
    return done(req, reply, ok, ok ? `Deleted ${source} from ${scope}.` : `${source} is not in ${scope}.`, scope);
  });

  web.post<{ Body: Body }>('/admin/knowledge/delete-scope', adminRoute, async (req, reply) => {
    const user = userOf(req);
    const scope = String(req.body.scope ?? '');
    const ok = await deleteScope(db, scope);
    if (ok) await recordAudit(db, { actor: user.userId, action: 'kb.delete_scope', target: `scope:${scope}`, origin: `http:${req.ip}` });
    return done(req, reply, ok, ok ? `Deleted the scope ${scope}.` : `No scope ${scope}.`);
  });

  web.post<{ Body: Body }>('/admin/knowledge/attach', adminRoute, async (req, reply) => {
    const ch = channelFromForm(cfg, req.body);
    if (typeof ch === 'string') return done(req, reply, false, ch);
    const scope = String(req.body.scope ?? '');
    try {
      const added = await attachScope(db, ch, scope, userOf(req).userId);
      return done(req, reply, true, added ? `Attached ${scope} to ${showChannel(ch)}.` : `${scope} was already attached to ${showChannel(ch)}.`, scope);
    } catch (e) {
      if (e instanceof RagError) return done(req, reply, false, e.message);
      throw e;
    }
  });

  web.post<{ Body: Body }>('/admin/knowledge/detach', adminRoute, async (req, reply) => {
    const ch = channelFromForm(cfg, req.body);
    if (typeof ch === 'string') return done(req, reply, false, ch);
    const scope = String(req.body.scope ?? '');
    const removed = await detachScope(db, ch, scope, userOf(req).userId);
    return done(req, reply, removed, removed ? `Detached ${scope} from ${showChannel(ch)}.` : `${scope} was not attached to ${showChannel(ch)}.`);
  });

  web.post<{ Body: Body }>('/admin/knowledge/web', adminRoute, async (req, reply) => {
    const ch = channelFromForm(cfg, req.body);
    if (typeof ch === 'string') return done(req, reply, false, ch);
    const on = req.body.mode === 'on';
    const alphaText = String(req.body.alpha ?? '').trim();
    const alpha = alphaText ? Number(alphaText) : undefined;
    if (alpha !== undefined && !(alpha >= 0 && alpha <= 1)) return done(req, reply, false, 'The local weight is a number between 0 and 1.');
    await setWebSearch(db, ch, on, userOf(req).userId, alpha);
    return done(req, reply, true, `Web search ${on ? 'on' : 'off'} for ${showChannel(ch)}${alpha === undefined ? '' : ` (local weight ${alpha})`}.`);
  });
}

function testResults(t: TestResult): SafeHtml {
  const label = t.status === 'cited' ? `${t.chunks.length} chunks` : t.status === 'no_match' ? 'nothing relevant found' : 'no scope attached: the model answers alone';
  return html`<section class="card" aria-labelledby="res-h" id="results"><h2 id="res-h">What ${t.channel} gets for “${t.question}”</h2>
    <p class="muted small">Scopes: ${t.scopes.length ? t.scopes.join(', ') : 'none'} · ${label}</p>
    ${t.chunks.length ? html`<ol class="ranked">${t.chunks.map((c, i) => html`<li><div class="rank-head"><span class="rank">${i + 1}</span><strong>${c.title}</strong>
        <span class="chip">${c.web ? 'web' : c.scope}</span><span class="score" title="Fused relevance score">score ${c.score.toFixed(4)}</span></div>
      <div class="muted small mono break">${c.source}${c.section ? ` · ${c.section}` : ''}</div>
      <details><summary>Text</summary><p class="excerpt">${c.text}</p></details></li>`)}</ol>` : ''}
  </section>`;
}
