import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny OpenAI-compatible vision endpoint (`POST /v1/chat/completions` with `image_url` parts),
 * standing in for llama-server --mmproj or vLLM: it answers a fixed description, or fails on demand.
 */
export class FakeVision {
  url = '';
  /** Requests received: the model asked for and the image data URLs sent. */
  readonly requests: Array<{ model: string; images: string[]; auth?: string }> = [];
  /** What to answer: a description, or an HTTP status to fail with. */
  answer: { description: string } | { status: number } = { description: 'A control panel with an amber display showing a fault code.' };
  private server?: http.Server;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.parse(raw) as { model: string; messages: Array<{ content: Array<{ type: string; image_url?: { url: string } }> }> };
        const images = body.messages.flatMap((m) => m.content).filter((p) => p.type === 'image_url').map((p) => p.image_url!.url);
        this.requests.push({ model: body.model, images, auth: req.headers.authorization });
        if ('status' in this.answer) {
          res.writeHead(this.answer.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'model not loaded' } }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          id: 'chatcmpl-vision', object: 'chat.completion', created: 0, model: body.model,
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: this.answer.description } }],
        }));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
