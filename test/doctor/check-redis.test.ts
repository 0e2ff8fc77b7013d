import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkRedis, loadConfig } from '../../src/index.js';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer) console.warn('skipped in part: no redis-server on the PATH');
const cfg = loadConfig({}, { REDIS_URL: 'redis://127.0.0.1:1', DATA_DIR: '/tmp/r1-doctor-redis' });

describe('doctor: redis check', () => {
  it('an explicit REDIS_URL that is down fails', async () => {
    expect(await checkRedis(cfg, false)).toMatchObject({ status: 'fail', fix: 'start Redis or fix REDIS_URL' });
  });
  it.skipIf(!hasRedisServer)('REDIS_URL unset and nothing on the default address: fine when redis-server is installed', async () => {
    const r = await checkRedis(cfg, true);
    expect(r.status).toBe('ok');
    expect(r.detail).toMatch(/^nothing on 127\.0\.0\.1:1: npm start runs a private redis-server \d+\.\d+\.\d+ under \/tmp\/r1-doctor-redis\/redis$/);
  });
});
