import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindAdapter, listAdapterBindings, recordAudit, unbindAdapter, type Runtime } from '../../../src/index.js';
import { html, when } from '../html.js';
import { page } from '../layout.js';
import { HTML, adminRoute, userOf } from './admin-routes.js';
import { CHANNEL_HELP, channelFields, channelFromForm, showChannel } from './channel-form.js';

type Body = Record<string, unknown>;
const wantsJson = (req: FastifyRequest) => (req.headers.accept ?? '').includes('application/json');

/**
 * `/admin/adapters`: the LoRA adapters configured here (LORA_ADAPTERS) and which channels answer
 * with which, with bind / unbind forms — what `npm run kb -- adapter` does, with the same storage
 * functions and the same audit entries (`kb.adapter`, `kb.adapter_detach`).
 */
export function registerAdaptersRoutes(web: FastifyInstance, rt: Runtime): void {
  const { cfg, db } = rt;

  async function render(req: FastifyRequest, reply: FastifyReply, flash?: { ok: boolean; text: string }, code = 200) {
    const user = userOf(req);
    const bindings = await listAdapterBindings(db);
    const configured = cfg.LORA_ADAPTERS;
    const t = user.csrfToken;
    const body = html`<div class="page-head"><h1>Adapters</h1><span class="muted small">${configured.length} configured · ${bindings.length} bindings</span></div>
  ${flash ? html`<p class="${flash.ok ? 'ok' : 'error'}" role="${flash.ok ? 'status' : 'alert'}">${flash.text}</p>` : ''}
  <section class="card" aria-labelledby="lora-h"><h2 id="lora-h">Configured adapters</h2>
    ${configured.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">File</th><th scope="col" class="num">Scale</th><th scope="col" class="num">Channels</th></tr></thead><tbody>
      ${configured.map((a) => html`<tr><th scope="row">${a.name}</th><td class="mono small break">${a.filePath}</td><td class="num">${a.scale}</td><td class="num">${bindings.filter((b) => b.adapter === a.name).length}</td></tr>`)}
    </tbody></table></div>` : html`<p class="muted">LORA_ADAPTERS is empty on this host: every channel answers with the base model.</p>`}
    <p class="muted small">Set in <code>LORA_ADAPTERS</code> on the inference workers (<code>name=path[:scale],…</code>); check the files with <code>npm run adapters -- list</code>, and promote one only through <code>npm run adapters -- eval</code>.</p>
  </section>

  <section class="card" aria-labelledby="abind-h"><h2 id="abind-h">Adapter bindings</h2>
    ${bindings.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Platform</th><th scope="col">Workspace / tenant</th><th scope="col">Channel / client / group</th><th scope="col">Adapter</th><th scope="col">By</th><th scope="col">Since</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
      ${bindings.map((b) => html`<tr><td>${b.platform}</td><td class="small break">${b.tenant}</td><td>${b.channel === '*' && b.platform === 'web' ? html`<span class="chip">everyone</span>` : b.channel}</td>
        <td><strong>${b.adapter}</strong>${configured.some((a) => a.name === b.adapter) ? '' : html` <span class="chip down" title="Not in LORA_ADAPTERS here: workers without it answer with the base model">not configured</span>`}</td>
        <td class="small">${b.createdBy}</td><td class="small">${when(b.createdAt)}</td>
        <td><form method="post" action="/admin/adapters/unbind"><input type="hidden" name="_csrf" value="${t}"><input type="hidden" name="platform" value="${b.platform}"><input type="hidden" name="team" value="${b.tenant}"><input type="hidden" name="channel" value="${b.channel}"><button class="button small" type="submit">Unbind</button></form></td></tr>`)}
    </tbody></table></div>` : html`<p class="muted">No channel has an adapter: every answer uses the base model.</p>`}
  </section>

  <section class="card" aria-labelledby="bindf-h"><h2 id="bindf-h">Bind an adapter</h2>
    ${configured.length ? html`<form method="post" action="/admin/adapters/bind" class="stack">
      <input type="hidden" name="_csrf" value="${t}">
      <div class="field"><label for="ab-adapter">Adapter</label><select id="ab-adapter" name="adapter" required>${configured.map((a) => html`<option value="${a.name}">${a.name}</option>`)}</select></div>
      ${channelFields({}, 'ab')}
      <p class="muted small" id="ab-help">${CHANNEL_HELP} A channel has one adapter: binding another replaces it. Questions already queued keep theirs.</p>
      <button class="button primary" type="submit">Bind</button>
    </form>` : html`<p class="muted">Configure an adapter in <code>LORA_ADAPTERS</code> first.</p>`}
  </section>`;
    return reply.code(code).type(HTML).send(page({ title: 'Adapters', user, surface: 'admin', section: 'adapters', scripts: ['admin.js'], body }).value);
  }

  const done = (req: FastifyRequest, reply: FastifyReply, ok: boolean, text: string) =>
    wantsJson(req) ? reply.code(ok ? 200 : 400).send({ ok, message: text }) : render(req, reply, { ok, text }, ok ? 200 : 400);

  web.get('/admin/adapters', adminRoute, (req, reply) => render(req, reply));

  web.post<{ Body: Body }>('/admin/adapters/bind', adminRoute, async (req, reply) => {
    const ch = channelFromForm(cfg, req.body ?? {});
    if (typeof ch === 'string') return done(req, reply, false, ch);
    const name = String(req.body.adapter ?? '').trim();
    // Only names configured here: a typo would silently answer with the base model (the CLI warns; a form can refuse).
    if (!cfg.LORA_ADAPTERS.some((a) => a.name === name)) return done(req, reply, false, `${name || 'That'} is not an adapter in LORA_ADAPTERS here.`);
    const user = userOf(req);
    const prev = await bindAdapter(db, ch, name, user.userId);
    await recordAudit(db, {
      actor: user.userId, action: 'kb.adapter', target: `${ch.platform} ${ch.tenant} ${ch.channel}`, details: { adapter: name, previous: prev ?? null, via: 'web' }, origin: `http:${req.ip}`,
    });
    return done(req, reply, true, `${showChannel(ch)} now answers with ${name}${prev && prev !== name ? ` (was ${prev})` : ''}.`);
  });

  web.post<{ Body: Body }>('/admin/adapters/unbind', adminRoute, async (req, reply) => {
    const ch = channelFromForm(cfg, req.body ?? {});
    if (typeof ch === 'string') return done(req, reply, false, ch);
    const user = userOf(req);
    const removed = await unbindAdapter(db, ch, user.userId);
    if (removed) {
      await recordAudit(db, {
        actor: user.userId, action: 'kb.adapter_detach', target: `${ch.platform} ${ch.tenant} ${ch.channel}`, details: { adapter: removed, via: 'web' }, origin: `http:${req.ip}`,
      });
    }
    return done(req, reply, Boolean(removed), removed ? `Unbound ${removed} from ${showChannel(ch)}: it answers with the base model.` : `No adapter was bound to ${showChannel(ch)}.`);
  });
}
