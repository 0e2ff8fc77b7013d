import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ChildService {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `workers/main.ts` (what `npm start` runs) in a child process with exactly this environment. */
export function spawnService(env: Record<string, string>, entry = 'workers/main.ts', stdin: 'ignore' | 'pipe' = 'ignore'): ChildService {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    // ENV_FILE: a developer's ./.env must not leak into tests.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ENV_FILE: '/dev/null', ...env },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, output: () => out, exited };
}

/** Polls `check` until it returns a truthy value. */
export async function until<T>(check: () => Promise<T | undefined | null | false>, ms = 30_000, what = 'condition'): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timeout after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
