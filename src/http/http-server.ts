import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/index.js';

/** Longest a readiness check may take before it counts as failed. */
export const READINESS_TIMEOUT_MS = 2000;

export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  /**
   * false: a failure is named in `/readyz`'s body but keeps the status 200 (the process still does
   * useful work: with ROLE=all the adapters keep queueing questions while the engine is down).
   * Defaults to true.
   */
  critical?: boolean;
}

export interface HttpServerOptions {
  metrics: Metrics;
  log: Logger;
  /** Checks behind `/readyz`; each must resolve for a 200. */
  readiness: ReadinessCheck[];
}

/**
 * One HTTP server for the process: `/healthz`, `/readyz`, `/metrics`, plus routes the adapters add.
 * Adapters that own their request parsing (Bolt verifies Slack signatures over the raw body) mount
 * raw Node handlers by path; the rest go through Fastify.
 */
export class HttpServer {
  readonly app: FastifyInstance;
  private readonly raw = new Map<string, RawHandler>();
  private server?: http.Server;

  constructor(private readonly opts: HttpServerOptions) {
    this.app = Fastify({
      logger: false,
      bodyLimit: 1 << 20,
      serverFactory: (handler) =>
        http.createServer((req, res) => {
          const path = (req.url ?? '/').split('?')[0]!;
          const rawHandler = this.raw.get(path);
          if (rawHandler) {
            res.on('finish', () => opts.metrics.httpRequests.inc({ route: path, status: String(res.statusCode) }));
            rawHandler(req, res);
          } else handler(req, res);
        }),
    });
    this.app.addHook('onResponse', async (req, reply) => {
      opts.metrics.httpRequests.inc({ route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
    });
    this.app.get('/healthz', async () => ({ ok: true }));
    this.app.get('/readyz', async (_req, reply) => {
      const results = await Promise.all(
        opts.readiness.map(async (c) => {
          try {
            // A dead Redis queues commands forever (BullMQ needs maxRetriesPerRequest: null): bound each check.
            await Promise.race([c.check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), READINESS_TIMEOUT_MS).unref())]);
            return [c.name, 'ok', c.critical ?? true] as const;
          } catch (e) {
            return [c.name, (e as Error).message || 'failed', c.critical ?? true] as const;
          }
        }),
      );
      const ok = results.every(([, v, critical]) => v === 'ok' || !critical);
      return reply.code(ok ? 200 : 503).send({ ok, checks: Object.fromEntries(results.map(([n, v]) => [n, v])) });
    });
    this.app.get('/metrics', async (_req, reply) => {
      reply.header('content-type', opts.metrics.registry.contentType);
      return opts.metrics.registry.metrics();
    });
  }

  /** Mounts a raw Node handler on an exact path (e.g. Bolt's receiver on `/slack/events`). */
  mountRaw(path: string, handler: RawHandler): void {
    this.raw.set(path, handler);
  }

  addReadiness(check: ReadinessCheck): void {
    this.opts.readiness.push(check);
  }

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    await this.app.listen({ port, host });
    this.server = this.app.server as http.Server;
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
