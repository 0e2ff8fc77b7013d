import { afterAll, describe, expect, it } from 'vitest';
import { spawnService, until, type ChildService } from '../support/child-service.js';
import { closedPort } from '../support/closed-port.js';
import { uniqueId } from '../support/test-config.js';

const INTERVAL_MS = 500;
const WINDOW_MS = 4000;

describe('Redis unreachable: the process listens, retries quietly and says why it is not ready', () => {
  let child: ChildService | undefined;
  afterAll(async () => {
    child?.proc.kill('SIGKILL');
    await child?.exited;
  });

  it('bounded log lines, all JSON, no ioredis dumps; /readyz 503 naming the cause', async () => {
    const redisPort = await closedPort();
    const slackPort = await closedPort();
    child = spawnService({
      ROLE: 'adapters', PORT: '0', LLAMA_THREADS: '1', LLAMA_GPU: 'false', DATA_DIR: `/tmp/${uniqueId('r1-redis-outage')}`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`, LOG_REPEAT_INTERVAL_MS: String(INTERVAL_MS),
      // Slack in HTTP mode adds BullMQ workers, each with connections of its own.
      SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: `http://127.0.0.1:${slackPort}/`,
    });
    const c = child;
    const started = await until(async () => c.output().split('\n').find((l) => l.includes('"r1-chatops started"')), 150_000, 'the service to listen (a fresh PGlite takes a while on a busy machine)');
    const port = (JSON.parse(started) as { port: number }).port;

    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(readyz.status).toBe(503);
    const body = (await readyz.json()) as { checks: Record<string, string> };
    expect(body.checks.redis).toBe(`connect ECONNREFUSED 127.0.0.1:${redisPort}`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    // Count what an outage of WINDOW_MS prints (this wait is the measurement, not a synchronisation).
    const from = c.output().length;
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const window = c.output().slice(from).trim().split('\n').filter(Boolean);
    const all = c.output().trim().split('\n');
    expect(c.output()).not.toContain('[ioredis]');
    for (const l of all) expect(() => JSON.parse(l), l).not.toThrow();
    const redisLines = window.filter((l) => l.includes('redis unavailable'));
    expect(redisLines.length).toBeGreaterThanOrEqual(1); // still retrying, still saying so
    expect(redisLines.length).toBeLessThanOrEqual(WINDOW_MS / INTERVAL_MS + 1);
    expect(redisLines.some((l) => (JSON.parse(l) as { suppressed?: number }).suppressed! > 0)).toBe(true);
  }, 200_000);
});
