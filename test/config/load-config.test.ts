import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/index.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.ROLE).toBe('all');
    expect(c.LLAMA_GPU).toBe('auto');
    expect(c.QUEUE_PREFIX).toBe('r1');
    expect(c.LLAMA_THREADS).toBeGreaterThanOrEqual(1);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', MODEL_PATH: '' })).toMatchObject({ PORT: 3000, DATABASE_URL: undefined, MODEL_PATH: undefined });
  });

  it.each([
    ['LLAMA_THREADS', { LLAMA_THREADS: '0' }],
    ['LLAMA_SEQUENCES', { LLAMA_SEQUENCES: '2.5' }],
    ['LLAMA_CONTEXT_SIZE', { LLAMA_CONTEXT_SIZE: '-1' }],
    ['LLAMA_GPU', { LLAMA_GPU: 'rocm' }],
    ['PORT', { PORT: 'http' }],
    ['DATABASE_URL', { DATABASE_URL: 'nope' }],
    ['SLACK_API_URL', { SLACK_API_URL: 'slack' }],
    ['SLACK_SIGNING_SECRET', { SLACK_BOT_TOKEN: 'xoxb-1' }],
  ])('names %s when it is bad', (name, env) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message.startsWith(`${name}: `)).toBe(true);
  });

  it('accepts Socket Mode without a signing secret', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).SLACK_APP_TOKEN).toBe('xapp-1');
  });
});
