import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEnvVarSet, loadConfig, loadEnvFile } from '../../src/index.js';
import { REPO_ROOT } from '../support/child-service.js';

describe('.env file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'r1-env-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the file; variables already exported win', async () => {
    const f = path.join(dir, '.env');
    await writeFile(f, '# comment\nLOG_LEVEL=debug\nPORT=4000\nSYSTEM_PROMPT="Be brief."\n');
    const env: NodeJS.ProcessEnv = { PORT: '5000' };
    expect(loadEnvFile(f, env)).toBe(f);
    expect(env).toEqual({ PORT: '5000', LOG_LEVEL: 'debug', SYSTEM_PROMPT: 'Be brief.' });
    expect(loadConfig(env)).toMatchObject({ PORT: 5000, LOG_LEVEL: 'debug', SYSTEM_PROMPT: 'Be brief.' });
  });

  it('no file is fine', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadEnvFile(path.join(dir, 'missing.env'), env)).toBeNull();
    expect(env).toEqual({});
  });

  it('.env.example at the repo root parses, and every variable in it is one the service knows', () => {
    const env: NodeJS.ProcessEnv = {};
    loadEnvFile(path.join(REPO_ROOT, '.env.example'), env);
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('tells an unset variable (or an empty one) from a set one', () => {
    expect(isEnvVarSet('REDIS_URL', {})).toBe(false);
    expect(isEnvVarSet('REDIS_URL', { REDIS_URL: '' })).toBe(false);
    expect(isEnvVarSet('REDIS_URL', { REDIS_URL: 'redis://x:1' })).toBe(true);
  });
});
