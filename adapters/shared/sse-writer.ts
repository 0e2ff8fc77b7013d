import type { ServerResponse } from 'node:http';

/** A comment line every this often while nothing else is sent, so proxies keep a queued request open. */
const HEARTBEAT_MS = 15_000;

/**
 * Server-sent events (`data: <json>` lines; the HTTP API ends with OpenAI's `data: [DONE]`, the web chat does not).
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
export class SseWriter {
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly res: ServerResponse) {}

  /** Sends the headers (status 200) at once: the client gets its first byte before any token. */
  open(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx: pass each event through instead of buffering the response
      'x-accel-buffering': 'no',
    });
    this.res.flushHeaders();
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** False once the client has gone. */
  get connected(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  send(data: unknown): void {
    this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** `data: [DONE]`, then the end of the response. */
  done(): void {
    this.write('data: [DONE]\n\n');
    this.end();
  }

  end(): void {
    clearInterval(this.heartbeat);
    if (this.connected) this.res.end();
  }

  private write(s: string): void {
    if (this.connected) this.res.write(s);
  }
}
