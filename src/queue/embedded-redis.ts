import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { RedisUnavailableError } from '../errors.js';

/**
 * Redis as an embedded default, so `npm start` works on a machine that only has Node: when
 * REDIS_URL is unset and nothing answers on 127.0.0.1:6379, a private `redis-server` is started
 * with its files under `DATA_DIR/redis` (AOF on, bound to 127.0.0.1 on a free port, a random
 * password), and shut down when its last user closes.
 *
 * Several processes on one DATA_DIR (`npm start` and `npm run chat`) share ONE server: the first
 * writes `endpoint.json` (port, password, pid); later ones find it there and check it answers.
 * Each user registers `users/<pid>-<random>`; on close the last live user shuts the server down (users
 * whose process has died are not counted). Start and stop are serialised by `start.lock`. A server
 * left behind by a killed process is reused by the next start.
 */

/** The line shown when no Redis can be had. */
export const REDIS_INSTALL_HINT =
  'install Redis (apt install redis-server, dnf install redis, brew install redis) so a private one can be started under DATA_DIR, ' +
  'or run `docker compose -f deploy/docker-compose.yml up -d redis`, or set REDIS_URL';

export interface ResolveRedisOptions {
  /** REDIS_URL when the environment sets it: used as is, never replaced, never probed here. */
  explicitUrl?: string;
  /** DATA_DIR: the embedded server keeps its files under `<dataDir>/redis`. */
  dataDir: string;
  /** Where a running Redis is looked for first. Defaults to redis://127.0.0.1:6379. */
  defaultUrl?: string;
  /** The server binary. Defaults to `redis-server` (looked up on the PATH). */
  redisServer?: string;
  /** How long the embedded server may take to answer after start. Defaults to 15 000 ms. */
  startTimeoutMs?: number;
}

export interface RedisEndpoint {
  /** What to connect to. For an embedded server: `redis://:<password>@127.0.0.1:<port>`. */
  url: string;
  /** `explicit` REDIS_URL, the `default` local Redis, an `embedded` one started here, or one `shared` with another process on the same DATA_DIR. */
  source: 'explicit' | 'default' | 'embedded' | 'shared';
  /** Releases this process's use; the last user of an embedded server shuts it down. Safe to call twice. */
  close(): Promise<void>;
}

interface EndpointFile {
  port: number;
  password: string;
  pid: number;
}

const LOCK_STALE_MS = 30_000;
const noop = async () => {};

/** Finds or starts the Redis this process should use. Throws {@link RedisUnavailableError} when there is none. */
export async function resolveRedis(o: ResolveRedisOptions): Promise<RedisEndpoint> {
  if (o.explicitUrl) return { url: o.explicitUrl, source: 'explicit', close: noop };
  const defaultUrl = new URL(o.defaultUrl ?? 'redis://127.0.0.1:6379');
  if (await answers(defaultUrl.hostname, Number(defaultUrl.port || 6379))) return { url: defaultUrl.href, source: 'default', close: noop };
  const dir = path.resolve(o.dataDir, 'redis');
  await mkdir(path.join(dir, 'users'), { recursive: true, mode: 0o700 });
  const started = await withLock(dir, async () => {
    const found = await readEndpoint(dir);
    if (found && (await answers('127.0.0.1', found.port, found.password))) return { ep: found, source: 'shared' as const };
    const ep = await startServer(dir, o.redisServer ?? 'redis-server', o.startTimeoutMs ?? 15_000);
    return { ep, source: 'embedded' as const };
  });
  // One file per handle (`<pid>-<random>`): two handles in one process are two users.
  const me = path.join(dir, 'users', `${process.pid}-${randomBytes(4).toString('hex')}`);
  await writeFile(me, '');
  let closing: Promise<void> | undefined;
  return {
    url: `redis://:${started.ep.password}@127.0.0.1:${started.ep.port}`,
    source: started.source,
    close: () => (closing ??= release(dir, me, started.ep)),
  };
}

/** Removes this process from the users; the last live one shuts the server down and waits for it to exit. */
async function release(dir: string, me: string, ep: EndpointFile): Promise<void> {
  await withLock(dir, async () => {
    await rm(me, { force: true });
    const others = [];
    for (const f of await readdir(path.join(dir, 'users'))) {
      if (isAlive(Number(f.split('-')[0]))) others.push(f);
      else await rm(path.join(dir, 'users', f), { force: true });
    }
    if (others.length) return;
    await command('127.0.0.1', ep.port, [['AUTH', ep.password], ['SHUTDOWN']]).catch(() => undefined); // the server closes the connection
    await waitFor(() => !isAlive(ep.pid), 10_000);
    await rm(path.join(dir, 'endpoint.json'), { force: true });
  });
}

async function startServer(dir: string, bin: string, timeoutMs: number): Promise<EndpointFile> {
  const port = await freePort();
  const password = randomBytes(24).toString('hex');
  const conf = path.join(dir, 'redis.conf');
  await writeFile(conf, [
    '# Written by r1-chatops for its embedded Redis; rewritten at every start.',
    'bind 127.0.0.1', `port ${port}`, 'protected-mode yes', `requirepass ${password}`,
    `dir ${JSON.stringify(dir)}`, 'appendonly yes', 'appendfsync always', 'save ""', 'daemonize no',
    `logfile ${JSON.stringify(path.join(dir, 'redis.log'))}`, 'maxmemory-policy noeviction', '',
  ].join('\n'), { mode: 0o600 });
  // Detached: it outlives this process while another process on the same DATA_DIR still uses it.
  const child = spawn(bin, [conf], { detached: true, stdio: 'ignore' });
  const exited = new Promise<Error>((resolve) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      resolve(new RedisUnavailableError(e.code === 'ENOENT' ? `no Redis answers on 127.0.0.1:6379 and ${bin} is not installed: ${REDIS_INSTALL_HINT}` : `cannot start ${bin}: ${e.message}`)));
    child.once('exit', (code) => resolve(new RedisUnavailableError(`${bin} exited with code ${code} at start; see ${path.join(dir, 'redis.log')}`)));
  });
  child.unref();
  const ready = waitFor(() => answers('127.0.0.1', port, password), timeoutMs).then(() => null);
  const failed = await Promise.race([ready, exited]);
  if (failed) throw failed;
  const ep = { port, password, pid: child.pid! };
  await writeFile(path.join(dir, 'endpoint.json'), JSON.stringify(ep), { mode: 0o600 });
  return ep;
}

async function readEndpoint(dir: string): Promise<EndpointFile | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'endpoint.json'), 'utf8')) as EndpointFile;
  } catch {
    return null; // none written yet, or half-written by a killed process: start a new server
  }
}

/** Runs `fn` holding `<dir>/start.lock` (an exclusive create); a lock older than 30 s is taken over. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, 'start.lock');
  const deadline = Date.now() + LOCK_STALE_MS + 5_000;
  for (;;) {
    try {
      await (await open(lock, 'wx')).close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > LOCK_STALE_MS) await rm(lock, { force: true });
      else if (Date.now() > deadline) throw new RedisUnavailableError(`${lock} is held by another process`);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitFor(ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new RedisUnavailableError(`the embedded Redis did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** True when a Redis (any reply, even an error) answers PING there within a second. */
async function answers(host: string, port: number, password?: string): Promise<boolean> {
  const cmds = password ? [['AUTH', password], ['PING']] : [['PING']];
  const replies = await command(host, port, cmds).catch(() => null);
  return !!replies && replies.length === cmds.length && (!password || replies.every((r) => r.startsWith('+')));
}

/** Sends RESP commands and collects one reply line each (simple replies only: PING, AUTH, SHUTDOWN). */
function command(host: string, port: number, cmds: string[][], timeoutMs = 1_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = '';
    const done = (e?: Error) => {
      sock.destroy();
      const lines = buf.split('\r\n').filter(Boolean);
      if (e && !lines.length) reject(e);
      else resolve(lines);
    };
    sock.setTimeout(timeoutMs, () => done(new Error('timed out')));
    sock.once('error', done);
    sock.once('close', () => done());
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      if (buf.split('\r\n').filter(Boolean).length >= cmds.length) done();
    });
    sock.write(cmds.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join(''));
  });
}
