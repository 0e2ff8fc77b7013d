import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createPgliteDb, listConversation, MODEL_ONLY_NOTE } from '../../../src/index.js';
import { consoleStreamKey, type ConsoleMessage } from '../../../adapters/console/console-channel.js';
import { spawnService, until } from '../../support/child-service.js';
import { consoleEnv, shown, spawnConsole } from '../../support/console-chat.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { TEST_REDIS_URL } from '../../support/test-config.js';

const threadOf = (out: string) => /Thread ([0-9a-f-]{36})/.exec(out)?.[1];

async function conversation(dataDir: string, thread: string) {
  const db = await createPgliteDb({ dataDir: `${dataDir}/pglite` });
  try {
    return await listConversation(db, { platform: 'console', tenant: 'local', channel: 'console', thread });
  } finally {
    await db.close();
  }
}

describe.skipIf(!hasTestModel)('npm run chat: sessions', () => {
  it('next to a running `npm start` on the same DATA_DIR (embedded database): talks to it, gets answers, and the service stays healthy', async () => {
    // No DATABASE_URL: both processes would want the embedded PGlite under DATA_DIR.
    const env = consoleEnv({ PORT: '0' });
    const svc = spawnService(env);
    const port = await until(async () => Number(/"port":(\d+),"role":"all","msg":"r1-chatops started"/.exec(svc.output())?.[1]), 90_000, 'the service');
    const c = spawnConsole(env);
    const q = 'Once upon a time there was a pump';
    // `/quit` ends the run: the line after it is never asked.
    c.type(q, '/kb list', '/quit', 'never asked');
    c.proc.stdin!.end();
    expect(await c.exited).toBe(0);
    const out = c.stdout();
    expect(out).toMatch(/^r1 console — talking to the running service; /); // no local inference worker
    expect(out).toContain(shown(`_${MODEL_ONLY_NOTE}_`));
    expect(out).toContain('r1> *Attached to this channel:* '); // the /kb answer, from the service's intake worker
    expect(c.stderr()).toBe('');
    // The service is still healthy and ready, and logged nothing above info since it started.
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(svc.proc.exitCode).toBeNull();
    const served = svc.output().slice(svc.output().indexOf('"msg":"r1-chatops started"'));
    expect(served).toContain('"msg":"reply delivered"');
    expect(served).not.toMatch(/"level":[456]0/);
    svc.proc.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
    // The service wrote the answer to its database: exactly the one question.
    const rows = await conversation(env.DATA_DIR, threadOf(out)!);
    expect(rows.map((r) => [r.question, r.status])).toEqual([[q, 'delivered']]);
    expect(out).toContain(`\n${shown(rows[0]!.answer!)}`);
  }, 180_000);

  it('a second run on the same DATA_DIR prints nothing of a first one killed mid-answer (whose job it finishes)', async () => {
    // A short lock: the killed run's job is handed to the second run's worker within seconds.
    const env = consoleEnv({ JOB_LOCK_MS: '4000', LLAMA_CONTEXT_SIZE: '2048' });
    const first = spawnConsole({ ...env, LLAMA_MAX_TOKENS: '1500' });
    first.type('Once upon a time there was a big red pump in a garden');
    // Killed while the answer streams in.
    await until(async () => /\nr1> .{20}/.test(first.stdout()), 90_000, 'the first answer streaming');
    first.proc.kill('SIGKILL');
    await first.exited;
    const firstThread = threadOf(first.stdout())!;
    const partial = /\nr1> (.{20,})/.exec(first.stdout())![1]!;

    const second = spawnConsole(env);
    await until(async () => threadOf(second.stdout()), 90_000, 'the second banner');
    // The second run's worker finishes the first run's job and delivers it to the first session's stream.
    const redis = new Redis(TEST_REDIS_URL);
    const stale = await until(async () => {
      const entries = await redis.xrange(consoleStreamKey(env.QUEUE_PREFIX, firstThread), '-', '+');
      return entries.map(([, f]) => JSON.parse(f[1]!) as ConsoleMessage).find((m) => m.kind === 'reply');
    }, 90_000, 'the first run\'s answer delivered');
    await redis.quit();
    expect(stale.kind === 'reply' && stale.body.length).toBeGreaterThan(20);

    const q = 'The little girl found a shiny key';
    second.type(q);
    second.proc.stdin!.end();
    expect(await second.exited).toBe(0);
    const out = second.stdout();
    expect(threadOf(out)).not.toBe(firstThread);
    expect(out).not.toContain(partial);
    expect(out).not.toContain((stale as Extract<ConsoleMessage, { kind: 'reply' }>).body.slice(0, 40));
    // Its own answer, once.
    const rows = await conversation(env.DATA_DIR, threadOf(out)!);
    expect(rows.map((r) => r.question)).toEqual([q]);
    expect(out.split(`\n${shown(rows[0]!.answer!)}`).length - 1).toBe(1);
    expect(out.match(/_Model-only answer/g)).toHaveLength(1);
  }, 240_000);
});
