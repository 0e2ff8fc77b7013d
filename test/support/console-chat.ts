import { spawn } from 'node:child_process';
import { spawnService, REPO_ROOT, type ChildService } from './child-service.js';
import { TEST_MODEL_PATH } from './shared-assets.js';
import { TEST_REDIS_URL, uniqueId } from './test-config.js';

/** One console test setup: a DATA_DIR and a queue prefix on the test Redis, the tiny model, greedy sampling. */
export function consoleEnv(over: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueId('r1con'), DATA_DIR: `/tmp/${uniqueId('r1con')}`, MODEL_PATH: TEST_MODEL_PATH,
    LLAMA_THREADS: '1', LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '1024', LLAMA_GPU: 'false', LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: '24',
    LOG_LEVEL: 'info',
    ...over,
  };
}

export interface ConsoleChild extends ChildService {
  /** stdout alone (ChildService.output() has stdout and stderr together). */
  stdout: () => string;
  stderr: () => string;
  /** Writes lines to the console's stdin. */
  type: (...lines: string[]) => void;
}

/** `npm run chat` in a child process, stdin piped. */
export function spawnConsole(env: Record<string, string>): ConsoleChild {
  const c = spawnService(env, 'workers/chat.ts', 'pipe');
  let stdout = '';
  let stderr = '';
  c.proc.stdout!.on('data', (d) => (stdout += d));
  c.proc.stderr!.on('data', (d) => (stderr += d));
  return { ...c, stdout: () => stdout, stderr: () => stderr, type: (...lines) => void c.proc.stdin!.write(lines.map((l) => `${l}\n`).join('')) };
}

/** Runs an entry point (`workers/<name>.ts`) with arguments to completion: its exit code, stdout and stderr. */
export function runEntry(env: Record<string, string>, entry: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ENV_FILE: '/dev/null', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs one of the CLIs (`npm run ingest`, `kb`, `assets`); throws unless it exits 0. */
export async function runCli(env: Record<string, string>, entry: string, args: string[]): Promise<string> {
  const r = await runEntry(env, entry, args);
  if (r.code !== 0) throw new Error(`${entry} ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

/** The console's line before an answer line: `r1> ` and the text, with `r1> ` after each newline. */
export const shown = (text: string) => `r1> ${text.replace(/\n/g, '\nr1> ')}\n`;
