import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnService } from '../support/child-service.js';
import { closedPort } from '../support/closed-port.js';
import { TEST_REDIS_URL } from '../support/test-config.js';

const base = { REDIS_URL: TEST_REDIS_URL, PORT: '0', LLAMA_THREADS: '1', LLAMA_GPU: 'false', DATA_DIR: '/tmp/r1-startup-test' };

async function run(env: Record<string, string>) {
  const c = spawnService({ ...base, ...env });
  const code = await c.exited;
  return { code, out: c.output() };
}

describe('start-up errors stop the process with one clear line', () => {
  it.each([
    ['LLAMA_THREADS', { LLAMA_THREADS: 'many' }],
    ['QUEUE_PREFIX', { QUEUE_PREFIX: 'a:b' }],
    ['SLACK_APP_TOKEN', { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-wrong' }],
  ])('a bad %s', async (name, env) => {
    const { code, out } = await run(env);
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^config error: ${name}: `));
  }, 30_000);

  it('never prints a secret value in a config error', async () => {
    const { out } = await run({ DATABASE_URL: 'postgres-secret-password-here' });
    expect(out).toMatch(/^config error: DATABASE_URL: .*\(secret\)/);
    expect(out).not.toContain('secret-password');
  }, 30_000);

  it('an unreachable database is one line naming host and port (never the password), exit 1', async () => {
    const port = await closedPort();
    const { code, out } = await run({ DATABASE_URL: `postgres://r1:hunter2-db-password@127.0.0.1:${port}/r1` });
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines).toEqual([`database error: DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:${port} (ECONNREFUSED)`]);
    expect(out).not.toContain('hunter2');
  }, 30_000);

  it('an unreadable model file names MODEL_PATH', async () => {
    const { code, out } = await run({ ROLE: 'worker', MODEL_PATH: '/nonexistent/model.gguf', DATABASE_URL: '' , DATA_DIR: `/tmp/r1-startup-${process.pid}` });
    expect(code).toBe(1);
    expect(out).toMatch(/model error: MODEL_PATH: cannot read model file \/nonexistent\/model.gguf \(ENOENT\)/);
  }, 60_000);

  it('no MODEL_PATH and no way to download the default model names MODEL_PATH', async () => {
    // An unreachable local URL stands in for the offline model hub: nothing is downloaded.
    const { code, out } = await run({ ROLE: 'worker', MODEL_URI: 'https://127.0.0.1:1/r1.gguf', DATA_DIR: `/tmp/r1-startup-${process.pid}` });
    expect(code).toBe(1);
    expect(out).toMatch(/model error: MODEL_PATH is not set and the default model https:\/\/127\.0\.0\.1:1\/r1\.gguf could not be downloaded .*set MODEL_PATH/);
  }, 60_000);

  it('a file that is not a GGUF model names MODEL_PATH', async () => {
    const bogus = `/tmp/r1-not-a-model-${process.pid}.gguf`;
    writeFileSync(bogus, 'this is not a gguf file');
    const { code, out } = await run({ ROLE: 'worker', MODEL_PATH: bogus, DATA_DIR: `/tmp/r1-startup-${process.pid}` });
    expect(code).toBe(1);
    expect(out).toContain(`model error: MODEL_PATH: ${bogus} is not a loadable GGUF model`);
  }, 60_000);
});
