import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisUnavailableError, resolveRedis } from '../../src/index.js';
import { REPO_ROOT } from '../support/child-service.js';
import { TEST_REDIS_URL } from '../support/test-config.js';

/** Nothing listens on port 1: stands for "no Redis on 127.0.0.1:6379" on a machine that has one. */
const NOTHING = 'redis://127.0.0.1:1';
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer) console.warn('skipped: no redis-server on the PATH (the embedded Redis cannot be started here)');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const pidOf = async (url: string) => {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
  const pid = Number(/process_id:(\d+)/.exec(await r.info('server'))![1]);
  r.disconnect();
  return pid;
};

describe('embedded Redis default', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'r1-embedded-redis-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('an explicit REDIS_URL is used as is, even when it is down', async () => {
    const r = await resolveRedis({ explicitUrl: 'redis://10.0.0.1:6390', dataDir, defaultUrl: NOTHING, redisServer: '/nonexistent/redis-server' });
    expect(r).toMatchObject({ url: 'redis://10.0.0.1:6390', source: 'explicit' });
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('a Redis answering on the default address is used and nothing is started', async () => {
    const r = await resolveRedis({ dataDir, defaultUrl: TEST_REDIS_URL, redisServer: '/nonexistent/redis-server' });
    expect(r.source).toBe('default');
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('without redis-server: a RedisUnavailableError saying how to get Redis', async () => {
    const e = await resolveRedis({ dataDir, defaultUrl: NOTHING, redisServer: '/nonexistent/redis-server' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RedisUnavailableError);
    expect((e as Error).message).toMatch(/^no Redis answers on 127\.0\.0\.1:6379 and \/nonexistent\/redis-server is not installed: install Redis \(apt install redis-server.*deploy\/docker-compose\.yml.*REDIS_URL$/);
  });

  it('without redis-server, npm start\'s Redis step prints one line and exits 1', { timeout: 60_000 }, async () => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'test/support/redis-or-exit-child.ts', dataDir, NOTHING], { cwd: REPO_ROOT, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const [code] = await once(c, 'exit');
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/^redis: no Redis answers on 127\.0\.0\.1:6379 and \/nonexistent\/redis-server is not installed: [^\n]+\n$/);
  });

  it.skipIf(!hasRedisServer)('starts a private redis-server under DATA_DIR/redis (AOF, password), shares it, and the last user stops it', { timeout: 60_000 }, async () => {
    const first = await resolveRedis({ dataDir, defaultUrl: NOTHING });
    expect(first.source).toBe('embedded');
    expect(first.url).toMatch(/^redis:\/\/:[0-9a-f]{48}@127\.0\.0\.1:\d+$/);
    const pid = await pidOf(first.url);
    const client = new Redis(first.url, { maxRetriesPerRequest: 0 });
    await client.set('k', 'v');
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    expect((await client.config('GET', 'dir'))[1]).toBe(path.join(dataDir, 'redis'));
    client.disconnect();
    expect((await stat(path.join(dataDir, 'redis', 'endpoint.json'))).mode & 0o077).toBe(0);
    // Without the password: refused.
    const sock = net.connect({ host: '127.0.0.1', port: Number(new URL(first.url).port) });
    sock.write('PING\r\n');
    const [reply] = await once(sock, 'data');
    sock.destroy();
    expect(String(reply)).toMatch(/^-NOAUTH/);

    // A second process on the same DATA_DIR reuses it rather than starting another.
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/resolve-redis-child.ts', dataDir, NOTHING], { cwd: REPO_ROOT, env: { PATH: process.env.PATH }, stdio: ['pipe', 'pipe', 'inherit'] });
    const [line] = await once(createInterface({ input: child.stdout }), 'line');
    expect(JSON.parse(line as string)).toEqual({ url: first.url, source: 'shared' });

    // The first user leaves: the second still uses it, so it keeps running.
    await first.close();
    expect(alive(pid)).toBe(true);
    const again = new Redis(first.url, { maxRetriesPerRequest: 0 });
    expect(await again.get('k')).toBe('v');
    again.disconnect();

    // The last user leaves: stopped, and the data stays on disk (AOF).
    child.stdin.end();
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(await readdir(path.join(dataDir, 'redis'))).toContain('appendonlydir');
    expect(await readdir(path.join(dataDir, 'redis'))).not.toContain('endpoint.json');

    // The next start gets a new server with the same data.
    const next = await resolveRedis({ dataDir, defaultUrl: NOTHING });
    expect(next.source).toBe('embedded');
    const c2 = new Redis(next.url, { maxRetriesPerRequest: 0 });
    expect(await c2.get('k')).toBe('v');
    c2.disconnect();
    const nextPid = await pidOf(next.url);
    await next.close();
    await next.close(); // twice is fine
    expect(alive(nextPid)).toBe(false);
  });
});
