import path from 'node:path';
import { isEnvVarSet, RedisUnavailableError, resolveRedis, type Config, type RedisEndpoint, type ResolveRedisOptions } from '../src/index.js';

/**
 * The Redis this process uses: REDIS_URL when set (never replaced), else one answering on
 * 127.0.0.1:6379, else the private one under DATA_DIR/redis (started here or shared with another
 * process on the same DATA_DIR). Returns the config with REDIS_URL pointing at it. When there is
 * none, prints one line saying how to get Redis and exits 1. Call `redis.close()` after the runtime
 * is closed: the last user of an embedded Redis stops it.
 */
export async function resolveRedisOrExit(cfg: Config, opts: Partial<ResolveRedisOptions> = {}): Promise<{ cfg: Config; redis: RedisEndpoint }> {
  try {
    const redis = await resolveRedis({
      explicitUrl: isEnvVarSet('REDIS_URL') ? cfg.REDIS_URL : undefined,
      defaultUrl: cfg.REDIS_URL,
      dataDir: path.resolve(cfg.DATA_DIR),
      ...opts,
    });
    return { cfg: redis.source === 'explicit' ? cfg : Object.freeze({ ...cfg, REDIS_URL: redis.url }), redis };
  } catch (e) {
    if (!(e instanceof RedisUnavailableError)) throw e;
    process.stderr.write(`redis: ${e.message}\n`);
    process.exit(1);
  }
}
