import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';

/** One Teams stream the bot opened (streaming protocol: informative/streaming typing updates, then a final message). */
export interface LocalStream {
  id: string;
  conversationId: string;
  /** Every accepted post, in order. */
  posts: Array<{ type: string; streamType: string; seq?: number; text: string }>;
  state: 'open' | 'final' | 'expired' | 'cancelled';
  /** Index in `calls` of the post that opened it. */
  firstCall: number;
  /** The text the stream shows (cumulative). */
  text: string;
}

interface StreamInfoEntity {
  type: string;
  streamId?: string;
  streamType?: string;
  streamSequence?: number;
}

export interface ConnectorCall {
  method: string;
  path: string;
  auth?: string;
  body: Record<string, unknown> | undefined;
  /** When it arrived (ms). */
  at?: number;
}

/**
 * A local Bot Framework: OpenID metadata + JWKS (the channel's signing key, endorsed for msteams),
 * a Connector REST API that records what the bot posts, and an HTTPS token authority (AAD's
 * client-credentials endpoint) with a self-signed certificate. Tokens are real RS256 JWTs.
 */
export class LocalBotFramework {
  // One app id per instance: botframework-connector caches outbound tokens per app id for the whole
  // process (AppCredentials.cache), and test files share worker processes.
  readonly appId = randomUUID();
  readonly appPassword = 'local-secret';
  readonly kid = 'local-key-1';
  readonly calls: ConnectorCall[] = [];
  readonly tokenRequests: URLSearchParams[] = [];
  /** Connector answers to inject into message posts (e.g. a 429), consumed in order. */
  readonly injected: Array<{ status: number; headers?: Record<string, string> }> = [];
  /**
   * Fault injection: this many of the next message posts are stored (they count in `messagesTo`)
   * and then answered HTTP 500, as a connector can fail after Teams stored the activity.
   */
  failPostsAfterStore = 0;
  private key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  readonly rogueKey: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  private server?: http.Server;
  private aad?: https.Server;
  base = '';
  aadUrl = '';
  caFile = '';
  private activityN = 0;
  /** Streams by id. */
  readonly streams = new Map<string, LocalStream>();
  /** Refuse a stream's post after this many accepted `streaming` updates, as Teams does after 2 minutes. */
  expireStreamsAfter?: number;
  /** Refuse every new stream, as Teams does where streaming is off for the user or bot. */
  refuseStreams = false;
  /** Answer a stream's post after this many accepted `streaming` updates as if the user pressed Teams' Stop. */
  cancelStreamsAfter?: number;

  /** Inline images the bot may download (`/teams/v3/attachments/<id>/views/original`), only with the bot's AAD token. */
  private readonly attachments = new Map<string, { data: Uint8Array; contentType: string }>();
  /** Attachment downloads as the local connector saw them. */
  readonly attachmentDownloads: Array<{ id: string; auth?: string; status: number }> = [];

  /** Stores an inline image as Teams does for a pasted picture; returns the activity attachment pointing at it. */
  addAttachment(id: string, name: string, contentType: string, data: Uint8Array): Record<string, unknown> {
    this.attachments.set(id, { data, contentType });
    return { contentType, contentUrl: `${this.serviceUrl}v3/attachments/${id}/views/original`, name };
  }

  /** The only bearer token the attachments endpoint accepts (the local AAD issues it); change it to make the bot's token wrong. */
  attachmentToken = 'local-aad-access-token';

  /**
   * Files sent in a 1:1 chat (manifest `supportsFiles: true`): Teams gives the bot a
   * `file.download.info` attachment whose `downloadUrl` is pre-authorised (a `tempauth` in the URL,
   * no bearer token), next to a `contentUrl` on SharePoint that needs Graph permissions.
   */
  private readonly files = new Map<string, { data: Uint8Array; tempauth: string }>();
  /** Downloads of those files as the local file host saw them (`auth`: any Authorization header sent). */
  readonly fileDownloads: Array<{ id: string; auth?: string; status: number }> = [];
  /** Requests to the files' SharePoint `contentUrl` (the bot has no business there). */
  readonly contentUrlHits: string[] = [];
  /** Answer 403 to every file link, as Teams does once a download link expired. */
  expireFileLinks = false;

  /** Stores a file sent in a personal chat; returns the activity attachment Teams sends for it. */
  addFile(id: string, name: string, fileType: string, data: Uint8Array): Record<string, unknown> {
    const tempauth = `tempauth-${id}-${Math.random().toString(36).slice(2)}`;
    this.files.set(id, { data, tempauth });
    return {
      contentType: 'application/vnd.microsoft.teams.file.download.info',
      contentUrl: `${this.base}/sharepoint/personal/alice/Documents/${encodeURIComponent(name)}`,
      name,
      content: { downloadUrl: `${this.base}/sharepoint/download/${id}?tempauth=${tempauth}`, uniqueId: id, fileType },
    };
  }

  get issuer(): string {
    return `${this.base}/issuer`;
  }
  get serviceUrl(): string {
    return `${this.base}/teams/`;
  }

  async start(): Promise<this> {
    const jwk = { ...this.key.publicKey.export({ format: 'jwk' }), kid: this.kid, use: 'sig', alg: 'RS256', endorsements: ['msteams'] };
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const url = req.url ?? '/';
        const att = /^\/teams\/v3\/attachments\/([^/]+)\/views\/original$/.exec(url);
        if (att && req.method === 'GET') {
          const a = this.attachments.get(att[1]!);
          const status = req.headers.authorization !== `Bearer ${this.attachmentToken}` ? 401 : a ? 200 : 404;
          this.attachmentDownloads.push({ id: att[1]!, auth: req.headers.authorization, status });
          res.writeHead(status, { 'content-type': status === 200 ? a!.contentType : 'text/plain' });
          res.end(status === 200 ? Buffer.from(a!.data) : '');
          return;
        }
        const file = /^\/sharepoint\/download\/([^/?]+)\?tempauth=([^&]+)$/.exec(url);
        if (file && req.method === 'GET') {
          const f = this.files.get(file[1]!);
          const status = !f ? 404 : this.expireFileLinks || f.tempauth !== file[2] ? 403 : 200;
          this.fileDownloads.push({ id: file[1]!, auth: req.headers.authorization, status });
          res.writeHead(status, { 'content-type': status === 200 ? 'application/octet-stream' : 'text/plain' });
          res.end(status === 200 ? Buffer.from(f!.data) : '');
          return;
        }
        if (url.startsWith('/sharepoint/')) {
          this.contentUrlHits.push(url);
          res.writeHead(401).end();
          return;
        }
        const send = (code: number, obj: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(code, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(obj));
        };
        if (url === '/.well-known/openid-configuration') return send(200, { issuer: this.issuer, jwks_uri: `${this.base}/keys`, id_token_signing_alg_values_supported: ['RS256'] });
        if (url === '/keys') return send(200, { keys: [jwk] });
        const call = { method: req.method!, path: decodeURIComponent(url), auth: req.headers.authorization, body: raw ? JSON.parse(raw) : undefined, at: Date.now() };
        // Injected failures hit message posts only (not typing indicators).
        const inj = url.includes('/v3/conversations') && call.body?.type === 'message' ? this.injected.shift() : undefined;
        if (inj) {
          this.calls.push({ ...call, method: `${call.method}#${inj.status}` });
          return send(inj.status, { error: { code: 'Throttled', message: 'slow down' } }, inj.headers);
        }
        this.calls.push(call);
        const m = /\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(decodeURIComponent(url));
        if (m && req.method === 'POST') {
          const info = (call.body?.entities as StreamInfoEntity[] | undefined)?.find((e) => e.type === 'streaminfo');
          if (info) {
            const r = this.streamPost(m[1]!, info, call.body!);
            if (r.status !== 200) call.method = `POST#${r.status}`;
            return send(r.status, r.body);
          }
        }
        if (m && req.method === 'PUT') return send(200, { id: m[2] });
        if (m && req.method === 'DELETE') return send(200, {});
        if (url.includes('/v3/conversations')) {
          const id = `act-${++this.activityN}`;
          if (req.method === 'POST' && call.body?.type === 'message' && this.failPostsAfterStore > 0) {
            this.failPostsAfterStore--;
            return send(500, { error: { code: 'ServiceError', message: 'upstream failed after store' } });
          }
          return send(200, { id });
        }
        send(404, {});
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    await this.startAad();
    return this;
  }

  /** The streaming protocol's rules as Teams states them (sequence, cumulative text, final, 2-minute expiry, user stop). */
  private streamPost(conversationId: string, info: StreamInfoEntity, body: Record<string, unknown>): { status: number; body: unknown } {
    const refuse = (message: string) => ({ status: 403, body: { error: { code: 'ContentStreamNotAllowed', message } } });
    const bad = (code: string, message: string) => ({ status: 400, body: { error: { code, message } } });
    const type = String(body.type);
    const text = String(body.text ?? '');
    const streamType = String(info.streamType);
    if (!info.streamId) {
      if (this.refuseStreams) return refuse('Content stream is not allowed');
      if (streamType === 'final') return bad('BadArgument', 'Final streaming activity must have a streamId');
      if (info.streamSequence !== 1) return bad('ContentStreamSequenceOrderPreConditionFailed', 'First streaming activity must have streamSequence 1');
      const id = `stream-${++this.activityN}`;
      this.streams.set(id, { id, conversationId, posts: [{ type, streamType, seq: 1, text }], state: 'open', text: streamType === 'streaming' ? text : '', firstCall: this.calls.length - 1 });
      return { status: 200, body: { id } };
    }
    const st = this.streams.get(info.streamId);
    if (!st || st.conversationId !== conversationId) return bad('BadArgument', 'Unknown streamId');
    if (st.state === 'final') return refuse('Content stream is not allowed on an already completed streamed message');
    if (st.state === 'expired') return refuse('Content stream finished due to exceeded streaming time.');
    if (st.state === 'cancelled') return refuse('Content stream was cancelled by user.');
    const updates = st.posts.filter((p) => p.streamType === 'streaming').length;
    if (this.cancelStreamsAfter !== undefined && updates >= this.cancelStreamsAfter) {
      st.state = 'cancelled';
      return refuse('Content stream was cancelled by user.');
    }
    if (this.expireStreamsAfter !== undefined && updates >= this.expireStreamsAfter) {
      st.state = 'expired';
      return refuse('Content stream finished due to exceeded streaming time.');
    }
    if (streamType === 'final') {
      if (type !== 'message' || info.streamSequence !== undefined) return bad('BadArgument', 'A final streaming message is a message without streamSequence');
      if (!text.startsWith(st.text)) return bad('BadArgument', 'Final message must contain the streamed content');
      st.posts.push({ type, streamType, text });
      st.state = 'final';
      st.text = text;
      return { status: 200, body: { id: st.id } };
    }
    const last = st.posts.at(-1)!.seq ?? 0;
    if (info.streamSequence !== last + 1) return bad('ContentStreamSequenceOrderPreConditionFailed', `streamSequence ${info.streamSequence} after ${last}`);
    if (type !== 'typing') return bad('BadArgument', 'Streaming updates are typing activities');
    if (streamType === 'informative' && st.text) return bad('BadArgument', 'Informative updates only before streaming text');
    if (streamType === 'streaming' && !text.startsWith(st.text)) return bad('BadArgument', 'Streaming content must contain the previous content');
    st.posts.push({ type, streamType, seq: info.streamSequence, text });
    if (streamType === 'streaming') st.text = text;
    return { status: 200, body: { id: st.id } };
  }

  /** PUT updates of one activity, in order. */
  updatesOf(activityId: string): ConnectorCall[] {
    return this.calls.filter((c) => c.method === 'PUT' && c.path.endsWith(`/activities/${activityId}`));
  }

  /** Streams opened in a conversation, in order. */
  streamsIn(conversationId: string): LocalStream[] {
    return [...this.streams.values()].filter((s) => s.conversationId === conversationId);
  }

  /** Local HTTPS "login.microsoftonline.com" with a throwaway self-signed certificate (made now, never committed). */
  private async startAad(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'r1-aad-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    this.caFile = join(dir, 'cert.pem');
    this.aad = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(this.caFile) }, (req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const send = (o: unknown) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(o));
        };
        const tenant = `${this.aadUrl}/botframework.com`;
        if (req.url?.includes('openid-configuration')) {
          return send({ issuer: `${tenant}/v2.0`, token_endpoint: `${tenant}/oauth2/v2.0/token`, authorization_endpoint: `${tenant}/oauth2/v2.0/authorize`, jwks_uri: `${tenant}/discovery/v2.0/keys`, end_session_endpoint: `${tenant}/oauth2/v2.0/logout` });
        }
        if (req.url?.split('?')[0]!.endsWith('/oauth2/v2.0/token')) {
          this.tokenRequests.push(new URLSearchParams(raw));
          return send({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: 'local-aad-access-token' });
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => this.aad!.listen(0, '127.0.0.1', r));
    this.aadUrl = `https://127.0.0.1:${(this.aad.address() as AddressInfo).port}`;
  }

  /** The env-var settings that point the bot at this local Bot Framework. */
  settings(): Record<string, string> {
    return {
      MicrosoftAppId: this.appId,
      MicrosoftAppPassword: this.appPassword,
      MicrosoftAppType: 'MultiTenant',
      ToBotFromChannelOpenIdMetadataUrl: `${this.base}/.well-known/openid-configuration`,
      ToBotFromChannelTokenIssuer: this.issuer,
      ToBotFromEmulatorOpenIdMetadataUrl: `${this.base}/.well-known/openid-configuration`,
      ToChannelFromBotLoginUrl: `${this.aadUrl}/botframework.com`,
      ToChannelFromBotOAuthScope: 'https://api.botframework.com',
      OAuthUrl: `${this.base}/oauth`,
      CallerId: 'urn:botframework:azure',
      ValidateAuthority: 'false',
      NODE_EXTRA_CA_CERTS: this.caFile,
    };
  }

  /** A channel token for an activity: RS256 with kid, iss, aud = app id and the lowercase `serviceurl` claim. */
  token(claims: Record<string, unknown> = {}, opts: jwt.SignOptions = {}, key: KeyObject = this.key.privateKey): string {
    return jwt.sign({ serviceurl: this.serviceUrl, ...claims }, key.export({ type: 'pkcs8', format: 'pem' }), {
      algorithm: 'RS256', keyid: this.kid, issuer: this.issuer, audience: this.appId, expiresIn: '5m', ...opts,
    });
  }

  /** Posts an activity with a valid channel token, another token, or none (`null`). */
  postActivity(botUrl: string, activity: Record<string, unknown>, token: string | null = this.token()): Promise<Response> {
    return fetch(botUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(activity) });
  }

  /** Calls that posted message activities (not typing) into a conversation. */
  messagesTo(conversationId: string): ConnectorCall[] {
    return this.calls.filter((c) => c.method === 'POST' && c.path.startsWith(`/teams/v3/conversations/${conversationId}/activities`) && c.body?.type === 'message');
  }

  async waitForMessages(conversationId: string, n: number, ms = 30_000): Promise<ConnectorCall[]> {
    const t0 = Date.now();
    for (;;) {
      const hits = this.messagesTo(conversationId);
      if (hits.length >= n) return hits;
      if (Date.now() - t0 > ms) throw new Error(`timeout: ${hits.length}/${n} messages to ${conversationId}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    for (const s of [this.server, this.aad]) {
      if (!s) continue;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
}

let idN = 0;
/**
 * A Teams message activity in a channel (new post, or a reply when `rootId` is given) or a chat.
 * `chat`: the conversation id of a personal or group chat (default `a:personal-chat-1`,
 * `19:group@thread.v2`). Teams has no history API: earlier turns of the same chat come from the
 * message log into the prompt, so a test whose answer must not depend on earlier tests uses a chat of its own.
 */
export function teamsMessage(bf: LocalBotFramework, o: { text: string; kind?: 'channel' | 'personal' | 'groupChat'; rootId?: string; mention?: boolean; id?: string; value?: unknown; user?: string; chat?: string; attachments?: Array<Record<string, unknown>> }): Record<string, unknown> {
  const kind = o.kind ?? 'channel';
  const id = o.id ?? `17000000${String(++idN).padStart(5, '0')}`;
  const convBase = kind === 'channel' ? '19:chan@thread.tacv2' : o.chat ?? (kind === 'personal' ? 'a:personal-chat-1' : '19:group@thread.v2');
  const mention = o.mention ?? kind !== 'personal';
  return {
    type: 'message', id, timestamp: new Date().toISOString(), channelId: 'msteams', serviceUrl: bf.serviceUrl,
    from: { id: `29:${o.user ?? 'alice'}`, name: o.user ?? 'Alice', aadObjectId: `aad-${o.user ?? 'alice'}` },
    recipient: { id: `28:${bf.appId}`, name: 'R1' },
    conversation: { id: kind === 'channel' && o.rootId ? `${convBase};messageid=${o.rootId}` : convBase, conversationType: kind, isGroup: kind !== 'personal', tenantId: 'tenant-1' },
    text: mention ? `<at>R1</at> ${o.text}` : o.text,
    entities: mention ? [{ type: 'mention', mentioned: { id: `28:${bf.appId}`, name: 'R1' }, text: '<at>R1</at>' }] : [],
    channelData: { tenant: { id: 'tenant-1' }, ...(kind === 'channel' ? { team: { id: '19:team@thread.tacv2' }, channel: { id: convBase } } : {}) },
    ...(o.value ? { value: o.value } : {}),
    ...(o.attachments ? { attachments: o.attachments } : {}),
  };
}
