import { mulberry32 } from './seeded-random.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** One Web API call the bot made, as the local Slack saw it. */
export interface SlackCall {
  method: string;
  auth?: string;
  params: Record<string, unknown>;
  at: number;
}

export interface StoredSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  user?: string;
  bot_id?: string;
  metadata?: unknown;
}

type Responder = (p: Record<string, unknown>, call: SlackCall) => { status?: number; headers?: Record<string, string>; body: Record<string, unknown> } | Record<string, unknown>;

/** Web API methods that create or change what users see: the ones a blind retry could double. */
export const SLACK_POSTING_METHODS = ['chat.postMessage', 'chat.update', 'chat.startStream', 'chat.appendStream', 'chat.stopStream', 'chat.postEphemeral'] as const;

/** Which calls {@link FakeSlack.failAfterStore} answers with HTTP 500 (after storing them). */
export interface FailAfterStoreOptions {
  /** Methods concerned; default {@link SLACK_POSTING_METHODS}. */
  methods?: readonly string[];
  /** Fail every n-th call of those methods (n, 2n, …), counted from when the fault was set. */
  every?: number;
  /** Fail this fraction (0–1) of those calls, drawn from a PRNG seeded with `seed` (default 1): repeatable. */
  fraction?: number;
  seed?: number;
  /** Or choose yourself: `n` is the 1-based count of calls of those methods since the fault was set. */
  when?: (call: SlackCall, n: number) => boolean;
}

/** How {@link FakeSlack.rateLimit} answers 429 for one method. */
export interface RateLimitOptions {
  /** The `Retry-After` header, in seconds (default 1). */
  retryAfterS?: number;
  /** Only this many 429s, then normal answers (default: every call). With `perThread`, this many per thread. */
  times?: number;
  /** Count `times` per thread (`thread_ts`, else `ts`, else `channel`) instead of in total. */
  perThread?: boolean;
  /** Only calls matching this (e.g. one channel or thread) are limited. */
  when?: (call: SlackCall) => boolean;
}

/**
 * A local Slack Web API (`https://slack.com/api/<method>`) that speaks the real wire format:
 * form or JSON bodies, `{ok: …}` JSON answers, `Retry-After` on 429. It keeps the messages posted
 * to it (plus any seeded ones) so `conversations.replies` answers like Slack would. Optional
 * Socket Mode: `apps.connections.open` hands out a local WebSocket URL that sends `hello` first.
 *
 * Fault injection (for the chaos suite and delivery tests); every rejected call is recorded in
 * `calls` as `<method>#<status>`:
 * - `failAfterStore({ every: 5 })` / `({ fraction: 0.2 })` / `({ when: (call, n) => … })`: the call
 *   is carried out (the message is stored, as Slack does before an upstream error) and then
 *   answered `HTTP 500`. A client that retries blindly posts the message twice. `storedThenFailed`
 *   lists what was stored this way.
 * - `rateLimit('reactions.add')` / `rateLimit('chat.postMessage', { times: 3, perThread: true,
 *   retryAfterS: 30 })`: answers `HTTP 429` with `Retry-After` before doing anything (nothing stored).
 * - `clearFaults()` removes both.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** Files the bot may download (`url_private_download`), served only with `Authorization: Bearer <botToken>`. */
  private readonly files = new Map<string, { data: Uint8Array; mimetype: string; chunked?: boolean }>();
  /** The bot token file downloads must carry (as Slack requires for `url_private*`). */
  botToken = 'xoxb-test';
  /** File downloads as the local Slack saw them: path, whether the token was right, the status answered. */
  readonly downloads: Array<{ path: string; auth?: string; status: number }> = [];
  readonly messages: StoredSlackMessage[] = [];
  readonly responders: Record<string, Responder> = {};
  /** User groups (`S…` → member user ids) answered by `usergroups.users.list`; change them to test refreshes. */
  readonly userGroups = new Map<string, string[]>();
  url = '';
  private server?: http.Server;
  private wss?: WebSocketServer;
  private sockets: WebSocket[] = [];
  private tsCounter = 1;
  private waiters: Array<{ pred: (c: SlackCall) => boolean; resolve: (c: SlackCall) => void }> = [];
  readonly socketAcks: Array<{ envelope_id: string; payload?: unknown }> = [];
  /** Native streams by message ts: every chunk Slack accepted, and whether it still streams. */
  readonly streams = new Map<string, { thread_ts?: string; chunks: string[]; open: boolean; appends: number }>();
  /** Forces Slack's stream expiry: after this many appends a stream answers `message_not_in_streaming_state`. */
  streamExpiresAfterAppends = Infinity;
  /**
   * Block types this workspace does not know: a `chat.postMessage` / `chat.update` carrying one
   * (at the top level or as an element) is answered `invalid_blocks`, as Slack does, storing nothing.
   */
  readonly rejectBlockTypes = new Set<string>();
  /** Modals opened with `views.open`, in order. */
  readonly views: Array<{ trigger_id: string; view: Record<string, unknown> }> = [];
  /** Calls that were carried out and then answered 500 by {@link failAfterStore}. */
  readonly storedThenFailed: SlackCall[] = [];
  private failRule?: { methods: Set<string>; pick: (call: SlackCall, n: number) => boolean; n: number };
  private readonly limits = new Map<string, RateLimitOptions & { used: Map<string, number> }>();

  /** Carries out the selected calls, then answers HTTP 500 (see the class comment). */
  failAfterStore(opts: FailAfterStoreOptions): void {
    if (!opts.when && !opts.every && opts.fraction === undefined) throw new Error('failAfterStore: give every, fraction or when');
    const rnd = mulberry32(opts.seed ?? 1);
    const pick = opts.when ?? (opts.every ? (_c: SlackCall, n: number) => n % opts.every! === 0 : () => rnd() < opts.fraction!);
    this.failRule = { methods: new Set(opts.methods ?? SLACK_POSTING_METHODS), pick, n: 0 };
  }

  /** Answers HTTP 429 with `Retry-After` for `method` (see the class comment). */
  rateLimit(method: string, opts: RateLimitOptions = {}): void {
    this.limits.set(method, { ...opts, used: new Map() });
  }

  clearFaults(): void {
    this.failRule = undefined;
    this.limits.clear();
  }

  /** The bot's messages in a thread (the root excluded), oldest first as stored. */
  botRepliesIn(thread_ts: string): StoredSlackMessage[] {
    return this.messages.filter((m) => m.thread_ts === thread_ts && m.ts !== thread_ts && m.bot_id);
  }

  private rateLimited(method: string, call: SlackCall): number | null {
    const l = this.limits.get(method);
    if (!l || (l.when && !l.when(call))) return null;
    const p = call.params;
    const k = l.perThread ? String(p.thread_ts ?? p.ts ?? p.channel ?? '') : '';
    const used = l.used.get(k) ?? 0;
    if (l.times !== undefined && used >= l.times) return null;
    l.used.set(k, used + 1);
    return l.retryAfterS ?? 1;
  }

  /**
   * Stores a file as Slack would after an upload and returns the file object an event carries
   * (`files[]` of a `file_share` message or an `app_mention`). `size` defaults to the real size.
   */
  addFile(f: { id: string; name: string; mimetype: string; data: Uint8Array; size?: number; chunked?: boolean }): Record<string, unknown> {
    const path = `/files-pri/T1-${f.id}/download/${encodeURIComponent(f.name)}`;
    this.files.set(path, { data: f.data, mimetype: f.mimetype, chunked: f.chunked });
    return {
      id: f.id, name: f.name, title: f.name, mimetype: f.mimetype, filetype: f.name.split('.').pop() ?? '', size: f.size ?? f.data.byteLength, mode: 'hosted',
      url_private: `${this.url}/files-pri/T1-${f.id}/${encodeURIComponent(f.name)}`, url_private_download: `${this.url}${path}`,
    };
  }

  /** Base URL for `slackApiUrl` / SLACK_API_URL (trailing slash included). */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  nextTs(): string {
    return `1700000100.${String(this.tsCounter++).padStart(6, '0')}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url?.startsWith('/files-pri/')) return this.serveFile(req, res);
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (raw += d));
      req.on('end', () => this.handle(req, res, raw));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Starts a local Socket Mode endpoint; `apps.connections.open` will point at it. */
  async enableSocketMode(): Promise<void> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => this.wss!.once('listening', () => r()));
    const wsUrl = `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/link/?ticket=local`;
    this.wss.on('connection', (ws) => {
      this.sockets.push(ws);
      ws.on('message', (m) => this.socketAcks.push(JSON.parse(m.toString())));
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'local' }, connection_info: { app_id: 'A1' } }));
    });
    this.responders['apps.connections.open'] = () => ({ ok: true, url: wsUrl });
  }

  /** Sends a Socket Mode envelope to every connected client. */
  sendEnvelope(envelope: Record<string, unknown>): void {
    for (const s of this.sockets) s.send(JSON.stringify(envelope));
  }

  async waitForSocket(ms = 10_000): Promise<void> {
    const t0 = Date.now();
    while (this.sockets.length === 0) {
      if (Date.now() - t0 > ms) throw new Error('no Socket Mode connection');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The native streams started in a thread, oldest first. */
  streamsIn(thread_ts: string): string[] {
    return [...this.streams.entries()].filter(([, s]) => s.thread_ts === thread_ts).map(([ts]) => ts);
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first call (past or future) matching `pred`. */
  waitFor(pred: (c: SlackCall) => boolean, ms = 30_000): Promise<SlackCall> {
    const hit = this.calls.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout after ${ms} ms waiting for a Slack API call`)), ms);
      this.waiters.push({ pred, resolve: (c) => { clearTimeout(t); resolve(c); } });
    });
  }

  /** Resolves when `n` calls match `pred`. */
  async waitForCount(pred: (c: SlackCall) => boolean, n: number, ms = 60_000): Promise<SlackCall[]> {
    const t0 = Date.now();
    for (;;) {
      const hits = this.calls.filter(pred);
      if (hits.length >= n) return hits;
      if (Date.now() - t0 > ms) throw new Error(`timeout: ${hits.length}/${n} matching Slack calls after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Keeps a call and wakes whoever waits for it (rejected ones are named `<method>#<status>`). */
  private record(call: SlackCall): void {
    this.calls.push(call);
    for (const w of [...this.waiters]) if (w.pred(call)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(call); }
  }

  /** `url_private_download`: the file only with the bot token, as Slack serves private files. */
  private serveFile(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const auth = req.headers.authorization;
    const file = this.files.get(path);
    const status = auth !== `Bearer ${this.botToken}` ? 403 : file ? 200 : 404;
    this.downloads.push({ path, auth, status });
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 403 ? 'forbidden' : 'not found');
      return;
    }
    // `chunked`: no Content-Length, as a proxy may send it; the client must cap what it reads itself.
    res.writeHead(200, { 'content-type': file!.mimetype, ...(file!.chunked ? {} : { 'content-length': String(file!.data.byteLength) }) });
    res.end(Buffer.from(file!.data));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const u = new URL(req.url ?? '/', 'http://x');
    const method = u.pathname.startsWith('/api/') ? u.pathname.slice(5) : `response_url:${u.pathname}`;
    const params = parseBody(raw, req.headers['content-type']);
    const call: SlackCall = { method, auth: req.headers.authorization, params, at: Date.now() };
    const custom = this.responders[method];
    let status = 200;
    let headers: Record<string, string> = {};
    let body: Record<string, unknown>;
    const retryAfterS = this.rateLimited(method, call);
    if (retryAfterS !== null) {
      this.record({ ...call, method: `${method}#429` });
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfterS) });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (custom) {
      const r = custom(params, call);
      if ('body' in r && typeof r.body === 'object') {
        status = (r.status as number | undefined) ?? 200;
        headers = (r.headers as Record<string, string> | undefined) ?? {};
        body = r.body as Record<string, unknown>;
      } else body = r as Record<string, unknown>;
    } else body = this.builtin(method, params);
    const rule = this.failRule;
    if (status === 200 && body.ok === true && rule?.methods.has(method) && rule.pick(call, ++rule.n)) {
      // Done (stored) and then an upstream error, as a Slack edge can answer after the write.
      this.storedThenFailed.push(call);
      status = 500;
      body = { ok: false, error: 'internal_error' };
    }
    // Record only calls that Slack accepted; a 429 is recorded under its own name.
    this.record(status === 200 ? call : { ...call, method: `${method}#${status}` });
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private hasRejectedBlock(p: Record<string, unknown>): boolean {
    const blocks = Array.isArray(p.blocks) ? (p.blocks as Array<{ type?: string; elements?: Array<{ type?: string }> }>) : [];
    return blocks.some((b) => this.rejectBlockTypes.has(String(b.type)) || (b.elements ?? []).some((e) => this.rejectBlockTypes.has(String(e.type))));
  }

  private builtin(method: string, p: Record<string, unknown>): Record<string, unknown> {
    if ((method === 'chat.postMessage' || method === 'chat.update') && this.hasRejectedBlock(p)) return { ok: false, error: 'invalid_blocks', errors: ['unsupported block type'] };
    switch (method) {
      case 'views.open': {
        if (!p.trigger_id) return { ok: false, error: 'invalid_arguments' };
        const view = (typeof p.view === 'string' ? JSON.parse(p.view) : p.view) as Record<string, unknown>;
        this.views.push({ trigger_id: String(p.trigger_id), view });
        return { ok: true, view: { id: `V${this.views.length}`, ...view } };
      }
      case 'auth.test':
        return { ok: true, url: 'https://local.slack/', team: 'Local', user: 'r1', team_id: 'T1', user_id: 'UBOT', bot_id: 'BBOT' };
      case 'chat.postMessage': {
        const ts = this.nextTs();
        const m: StoredSlackMessage = { channel: String(p.channel), ts, thread_ts: p.thread_ts as string | undefined, text: String(p.text ?? ''), user: 'UBOT', bot_id: 'BBOT', metadata: p.metadata };
        this.messages.push(m);
        return { ok: true, channel: p.channel, ts, message: m };
      }
      case 'chat.update': {
        const m = this.messages.find((x) => x.channel === p.channel && x.ts === p.ts);
        if (m) {
          m.text = String(p.text ?? m.text);
          if (p.metadata) m.metadata = p.metadata;
        }
        return { ok: true, channel: p.channel, ts: p.ts };
      }
      case 'conversations.replies': {
        const root = String(p.ts);
        const msgs = this.messages
          .filter((m) => m.channel === p.channel && (m.ts === root || m.thread_ts === root))
          .sort((a, b) => Number(a.ts) - Number(b.ts))
          .map((m) => (p.include_all_metadata ? m : { ...m, metadata: undefined }));
        return { ok: true, messages: msgs, has_more: false };
      }
      case 'chat.startStream': {
        // Like Slack: a channel stream must name its recipient.
        if (String(p.channel).startsWith('C') && (!p.recipient_user_id || !p.recipient_team_id)) return { ok: false, error: 'invalid_arguments' };
        const ts = this.nextTs();
        const text = String(p.markdown_text ?? '');
        this.messages.push({ channel: String(p.channel), ts, thread_ts: p.thread_ts as string | undefined, text, user: 'UBOT', bot_id: 'BBOT' });
        this.streams.set(ts, { thread_ts: p.thread_ts as string | undefined, chunks: [text], open: true, appends: 0 });
        return { ok: true, channel: p.channel, ts };
      }
      case 'chat.appendStream': {
        const st = this.streams.get(String(p.ts));
        if (!st) return { ok: false, error: 'message_not_found' };
        if (st.open && st.appends >= this.streamExpiresAfterAppends) st.open = false;
        if (!st.open) return { ok: false, error: 'message_not_in_streaming_state' };
        st.appends++;
        st.chunks.push(String(p.markdown_text ?? ''));
        const m = this.messages.find((x) => x.ts === p.ts);
        if (m) m.text += String(p.markdown_text ?? '');
        return { ok: true, channel: p.channel, ts: p.ts };
      }
      case 'chat.stopStream': {
        const st = this.streams.get(String(p.ts));
        if (!st) return { ok: false, error: 'message_not_found' };
        if (!st.open) return { ok: false, error: 'message_not_in_streaming_state' };
        st.open = false;
        return { ok: true, channel: p.channel, ts: p.ts };
      }
      case 'chat.delete': {
        const i = this.messages.findIndex((x) => x.channel === p.channel && x.ts === p.ts);
        if (i < 0) return { ok: false, error: 'message_not_found' };
        this.messages.splice(i, 1);
        return { ok: true, channel: p.channel, ts: p.ts };
      }
      case 'usergroups.users.list': {
        // As Slack: the members' ids, or `no_such_subteam` for an unknown group id.
        const users = this.userGroups.get(String(p.usergroup));
        return users ? { ok: true, users: [...users] } : { ok: false, error: 'no_such_subteam' };
      }
      case 'reactions.add': case 'reactions.remove': case 'chat.postEphemeral':
      case 'assistant.threads.setStatus':
        return { ok: true, channel: p.channel, ts: p.ts ?? this.nextTs() };
      default:
        return method.startsWith('response_url:') ? { ok: true } : { ok: false, error: 'unknown_method' };
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    if (this.wss) await new Promise<void>((r) => this.wss!.close(() => r()));
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((r) => this.server!.close(() => r()));
    }
  }
}

function parseBody(raw: string, ctype: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (ctype?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // WebClient form-encodes; non-string arguments (blocks, metadata) are JSON inside the form.
  for (const [k, v] of new URLSearchParams(raw)) out[k] = /^[[{]/.test(v) ? tryJson(v) : v;
  return out;
}
const tryJson = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

