import { randomBytes } from 'node:crypto';
import { loadConfig, type Config, type EnvVarName } from '../../src/index.js';
import { TEST_MODEL_PATH } from './shared-assets.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A unique suffix for queue prefixes and schemas, so tests never see each other's data. */
export const uniqueId = (tag = 't') => `${tag}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/**
 * Config for a test: real Redis with a fresh queue prefix, the test model, one thread, greedy
 * sampling. Override anything by env-var name.
 */
export function testConfig(overrides: Partial<Record<EnvVarName, string>> = {}): Config {
  return loadConfig({}, {
    PORT: '0',
    ROLE: 'all',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniqueId('r1test'),
    DATA_DIR: `/tmp/${uniqueId('r1data')}`,
    MODEL_PATH: TEST_MODEL_PATH,
    LLAMA_THREADS: '1',
    LLAMA_SEQUENCES: '4',
    LLAMA_CONTEXT_SIZE: '1024',
    LLAMA_GPU: 'false',
    LLAMA_TEMPERATURE: '0',
    LLAMA_MAX_TOKENS: '48',
    LIVE_UPDATES: 'false',
    RATE_LIMIT_USER_PER_MIN: '10000',
    RATE_LIMIT_CHANNEL_PER_MIN: '10000',
    ...overrides,
  });
}
