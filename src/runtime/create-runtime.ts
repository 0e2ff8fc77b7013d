import type { ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createRateLimitedLog, type RateLimitedLog } from '../log/rate-limited-log.js';
import { createMetrics, type Metrics } from '../metrics/index.js';
import { createRedis, QueueSet } from '../queue/index.js';
import { noDatabase, openDb, migrate, type Db } from '../storage/index.js';
import { createFairScheduler, type FairScheduler } from '../scheduling/index.js';
import { createAccessPolicy, type AccessPolicy } from '../policy/index.js';

/** Shared resources of one process, built from config, closed in reverse order. */
export interface Runtime {
  cfg: Config;
  log: Logger;
  metrics: Metrics;
  db: Db;
  redis: Redis;
  connection: ConnectionOptions;
  queues: QueueSet;
  /** Who may ask what, where (cached rules and group lists; see src/policy). */
  policy: AccessPolicy;
  /** Fair scheduling across channels (shared by adapters and workers through Redis). */
  fair: FairScheduler;
  /** Logs a line once per key per LOG_REPEAT_INTERVAL_MS (outages, rejected requests), counting the rest. */
  logRepeated: RateLimitedLog;
  /**
   * Reports an error of any Redis connection of this process (the shared one, its duplicates,
   * BullMQ workers' own): all of them together log one line per LOG_REPEAT_INTERVAL_MS.
   */
  redisError(err: Error, source: string): void;
  /** Why Redis is not usable now (its last connection error); undefined when ready or not failed yet. */
  redisUnavailable(): string | undefined;
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
  /** Longest one shutdown step may take; in-flight generations are awaited within it. Defaults to 120 000 ms. */
  closeStepTimeoutMs?: number;
  /** Apply migrations on start. Defaults to true. */
  migrate?: boolean;
  /** Open no database: this process only talks to Redis (the console next to a running service). The reason shows in any misuse. */
  noDatabase?: string;
}

export async function createRuntime(cfg: Config, opts: CreateRuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger({ level: cfg.LOG_LEVEL });
  const metrics = opts.metrics ?? createMetrics();
  const steps: Array<() => Promise<void>> = [];
  const closeStepTimeoutMs = opts.closeStepTimeoutMs ?? 120_000;
  const db = opts.db ?? (opts.noDatabase ? noDatabase(opts.noDatabase) : await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR), schema: opts.dbSchema }));
  if (!opts.db) steps.push(() => db.close());
  if (opts.migrate !== false && !opts.noDatabase) {
    const { applied, skipped } = await migrate(db);
    if (applied.length) log.info({ applied }, 'migrations applied');
    if (skipped.length) log.warn({ skipped }, 'migrations skipped: pgvector extension not available on this PostgreSQL');
  }
  const logRepeated = createRateLimitedLog(log, { intervalMs: cfg.LOG_REPEAT_INTERVAL_MS });
  const redis = createRedis(cfg.REDIS_URL);
  let lastRedisError: string | undefined;
  let redisWasDown = false;
  // ioredis (and BullMQ, on every connection it duplicates) retries on its own; an outage is one
  // line per interval, not one per attempt and connection.
  const redisError = (e: Error, source: string) => {
    lastRedisError = e.message || String(e);
    redisWasDown = true;
    logRepeated('error', 'redis', { err: lastRedisError, source }, 'redis unavailable, retrying');
  };
  redis.on('error', (e: Error) => redisError(e, 'shared connection'));
  redis.on('ready', () => {
    if (redisWasDown) log.info('redis connection restored');
    redisWasDown = false;
    lastRedisError = undefined;
  });
  const redisUnavailable = () => (redis.status === 'ready' ? undefined : lastRedisError);
  steps.push(async () => {
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  });
  const queues = new QueueSet({ connection: redis, prefix: cfg.QUEUE_PREFIX });
  steps.push(() => queues.close());
  let closing: Promise<void> | undefined;
  return {
    cfg, log, metrics, db, redis, connection: redis, queues, fair: createFairScheduler(redis, cfg.QUEUE_PREFIX),
    policy: createAccessPolicy({
      db, slackAllowedTeams: cfg.SLACK_ALLOWED_TEAMS, teamsAllowedTenants: cfg.TEAMS_ALLOWED_TENANTS, channelPolicy: cfg.CHANNEL_POLICY,
      allowDms: cfg.ALLOW_DMS, contact: cfg.POLICY_CONTACT, rulesCacheMs: cfg.POLICY_CACHE_S * 1000, groupCacheMs: cfg.POLICY_GROUP_CACHE_S * 1000,
      onGroupError: (platform, groupId, err) => logRepeated('warn', `policy-group:${platform}:${groupId}`, { platform, groupId, err: err.message }, 'could not fetch group members; using the last known list'),
    }),
    logRepeated, redisError, redisUnavailable,
    onClose: (step) => steps.push(step),
    close: () =>
      (closing ??= (async () => {
        // With Redis down, queue and worker closes would wait on commands that never run.
        if (redis.status !== 'ready') redis.disconnect();
        for (const step of steps.reverse()) {
          try {
            // A step stuck on a dead connection must not block the rest of the shutdown.
            await Promise.race([step(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), closeStepTimeoutMs).unref())]);
          } catch (e) {
            log.error({ err: (e as Error).message }, 'shutdown step failed');
          }
        }
      })()),
  };
}
