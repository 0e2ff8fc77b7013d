import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';

export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/** A free TCP port on 127.0.0.1 (bound, then released). */
export async function freePort(): Promise<number> {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  srv.close();
  return port;
}

/**
 * A Redis server of the test's own, with AOF (`appendfsync always`, as the README's Guarantees
 * assume at least `everysec`), that the test may SIGKILL and restart on the same port and data.
 */
export class PrivateRedis {
  proc?: ChildProcess;
  constructor(readonly port: number, readonly dir: string, readonly fsync: 'always' | 'everysec' = 'always') {
    mkdirSync(dir, { recursive: true });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', this.fsync, '--save', ''], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await ping(this.port)) return this;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`private redis on ${this.port} did not start`);
  }

  /** SIGKILL: no shutdown save; only what AOF already has survives. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    p.kill('SIGKILL');
    await once(p, 'exit');
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.once('error', () => resolve(false));
  });
}
