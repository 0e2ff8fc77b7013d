import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What one `POST /v1/chat/completions` does; the next scripted one is used, else `fallback`. */
export type FakeReply =
  /** Streams these deltas (SSE `chat.completion.chunk`s), then a usage chunk and `[DONE]`. */
  | { kind: 'stream'; deltas: Array<{ content?: string; reasoning_content?: string }>; delayMs?: number; firstByteDelayMs?: number; usage?: { prompt: number; completion: number; reasoning?: number } }
  /** Sends some deltas, then destroys the socket mid-stream (a crashed engine pod). */
  | { kind: 'drop'; deltas: Array<{ content?: string; reasoning_content?: string }> }
  /** Sends some deltas, then goes silent with the connection open (a hung engine) until the client hangs up. */
  | { kind: 'stall'; deltas: Array<{ content?: string; reasoning_content?: string }> }
  /** An HTTP error status with an OpenAI error body and optional headers (e.g. Retry-After). */
  | { kind: 'status'; status: number; headers?: Record<string, string> };

export interface FakeRequest {
  body: Record<string, unknown>;
  /** Resolves when the client hung up before the response finished (an aborted request). */
  aborted: boolean;
}

/**
 * A local server speaking the OpenAI wire protocol (`/v1/models`, streamed `/v1/chat/completions`)
 * for what a real engine cannot be made to do on cue: inline `<think>` vs `reasoning_content`,
 * 5xx, a connection dropped mid-stream, a slow first byte, 429 with `Retry-After`, being down.
 * `stop()` closes the listener (connections are refused: the engine is down); `start()` reopens
 * it on the same port.
 */
export class FakeOpenAiEngine {
  readonly script: FakeReply[] = [];
  readonly requests: FakeRequest[] = [];
  fallback: FakeReply = { kind: 'stream', deltas: [{ content: 'Hello' }, { content: ' there.' }] };
  model = 'deepseek-ai/DeepSeek-R1';
  /** Further ids listed at `/v1/models`: LoRA adapters served as models (vLLM `--lora-modules name=path`). */
  readonly loraModels: string[] = [];
  modelsCalls = 0;
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Refuses connections from now on (existing ones are cut). */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise((r) => s.close(r));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/v1/models') {
      this.modelsCalls += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [this.model, ...this.loraModels].map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake', ...(id === this.model ? {} : { parent: this.model }) })) }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404).end();
      return;
    }
    let raw = '';
    for await (const c of req) raw += c;
    const rec: FakeRequest = { body: JSON.parse(raw) as Record<string, unknown>, aborted: false };
    this.requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) rec.aborted = true;
    });
    const reply = this.script.shift() ?? this.fallback;
    if (reply.kind === 'status') {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify({ error: { message: `fake engine says ${reply.status}`, type: 'server_error', code: null } }));
      return;
    }
    if (reply.kind === 'stream' && reply.firstByteDelayMs) await sleep(reply.firstByteDelayMs);
    if (res.destroyed) return;
    if (rec.body.stream !== true) {
      const content = reply.deltas.map((d) => d.content ?? '').join('');
      const reasoning = reply.deltas.map((d) => d.reasoning_content ?? '').join('');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'chatcmpl-fake', object: 'chat.completion', created: 0, model: this.model,
        choices: [{ index: 0, message: { role: 'assistant', content, reasoning_content: reasoning || null }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 7, completion_tokens: reply.deltas.length, total_tokens: 7 + reply.deltas.length },
      }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (delta: object, extra: object = {}) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model: this.model, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }));
    for (const d of reply.deltas) {
      if (res.destroyed) return;
      res.write(chunk(d));
      if (reply.kind === 'stream' && reply.delayMs) await sleep(reply.delayMs);
    }
    if (reply.kind === 'stall') {
      await new Promise((r) => (res.destroyed ? r(undefined) : res.once('close', r)));
      return;
    }
    if (reply.kind === 'drop') {
      // Let the deltas reach the client, then cut the connection without ending the response.
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    const n = reply.deltas.length;
    const u = reply.usage ?? { prompt: 7, completion: n, reasoning: reply.deltas.filter((d) => d.reasoning_content).length };
    res.write(`data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model: this.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
    res.write(`data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model: this.model, choices: [], usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion, completion_tokens_details: { reasoning_tokens: u.reasoning ?? 0 } } })}\n\n`);
    res.end('data: [DONE]\n\n');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
