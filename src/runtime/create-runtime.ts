import type { ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createMetrics, type Metrics } from '../metrics/index.js';
import { createRedis, QueueSet } from '../queue/index.js';
import { openDb, migrate, type Db } from '../storage/index.js';

/** Shared resources of one process, built from config, closed in reverse order. */
export interface Runtime {
  cfg: Config;
  log: Logger;
  metrics: Metrics;
  db: Db;
  redis: Redis;
  connection: ConnectionOptions;
  queues: QueueSet;
  /** Registers a cleanup step; steps run in reverse order on close, each even if another threw. */
  onClose(step: () => Promise<void>): void;
  close(): Promise<void>;
}

export interface CreateRuntimeOptions {
  log?: Logger;
  metrics?: Metrics;
  /** Use this database instead of opening one from config (tests). The runtime will not close it. */
  db?: Db;
  /** PostgreSQL schema for isolation (tests). */
  dbSchema?: string;
  /** Apply migrations on start. Defaults to true. */
  migrate?: boolean;
}

export async function createRuntime(cfg: Config, opts: CreateRuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger({ level: cfg.LOG_LEVEL });
  const metrics = opts.metrics ?? createMetrics();
  const steps: Array<() => Promise<void>> = [];
  const db = opts.db ?? (await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR), schema: opts.dbSchema }));
  if (!opts.db) steps.push(() => db.close());
  if (opts.migrate !== false) {
    const { applied, skipped } = await migrate(db);
    if (applied.length) log.info({ applied }, 'migrations applied');
    if (skipped.length) log.warn({ skipped }, 'migrations skipped: pgvector extension not available on this PostgreSQL');
  }
  const redis = createRedis(cfg.REDIS_URL);
  steps.push(async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  const queues = new QueueSet({ connection: redis, prefix: cfg.QUEUE_PREFIX });
  steps.push(() => queues.close());
  let closing: Promise<void> | undefined;
  return {
    cfg, log, metrics, db, redis, connection: redis, queues,
    onClose: (step) => steps.push(step),
    close: () =>
      (closing ??= (async () => {
        for (const step of steps.reverse()) {
          try {
            await step();
          } catch (e) {
            log.error({ err: (e as Error).message }, 'shutdown step failed');
          }
        }
      })()),
  };
}
