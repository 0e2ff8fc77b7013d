import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, enqueueDiagnosis, enqueueInference, migrate, QUEUE_INFERENCE, type Db } from '../../src/index.js';
import { importTestRegistry } from '../support/diagnosis-fixtures.js';
import { hasTestModel } from '../support/shared-assets.js';
import { startTestService } from '../support/start-test-service.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';
import { closeTestEngines } from '../support/test-engine.js';

describe.skipIf(!hasTestModel)('priority on the inference queue', () => {
  let db: Db;
  let redis: ReturnType<typeof createRedis>;
  let queue: Queue;
  let svc: Awaited<ReturnType<typeof startTestService>> | undefined;
  const cfg = testConfig({ ROLE: 'worker', LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '8', DIAGNOSIS_MAX_TOKENS: '1400', DIAGNOSIS_REASONING_TOKENS: '0' });

  beforeAll(async () => {
    db = await createTestPgDb();
    await migrate(db);
    await importTestRegistry(db);
    redis = createRedis(cfg.REDIS_URL);
    queue = new Queue(QUEUE_INFERENCE, { connection: redis, prefix: cfg.QUEUE_PREFIX });
  });
  afterAll(async () => {
    await svc?.close();
    await queue?.close();
    await redis?.quit();
    await db?.close();
    await closeTestEngines();
  });

  it('with chat jobs queued, a diagnosis enqueued after them starts first', { timeout: 180_000 }, async () => {
    const key = (t: string) => ({ platform: 'slack' as const, tenant: 'T1', channel: 'C1', thread: t });
    const chats = [];
    for (let i = 0; i < 3; i++) {
      chats.push((await enqueueInference(queue, { v: 1, kind: 'chat', key: key(`c${i}`), user: { id: 'U1' }, text: `question ${i}`, source: { eventId: `chat-${i}`, receivedAt: Date.now() } })).jobId);
    }
    const diag = (await enqueueDiagnosis(queue, {
      v: 1, kind: 'diagnose', key: key('d1'), user: { id: 'U2' }, text: 'E-214 shaking',
      diagnosis: { assetId: 'P-101', faultCode: 'E-214', symptom: 'shaking' }, source: { eventId: 'diag-1', receivedAt: Date.now() },
    })).jobId;
    // The worker (one sequence, so one job at a time) starts only now, with all four waiting.
    svc = await startTestService(cfg, db);
    const done = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${done.size}/4 jobs completed`)), 150_000);
      svc!.inference!.worker.on('completed', (j) => {
        done.add(j.id!);
        if (done.size === 4) {
          clearTimeout(t);
          resolve();
        }
      });
      svc!.inference!.worker.on('failed', (j, e) => reject(new Error(`job ${j?.id} failed: ${e.message}`)));
    });
    const started = new Map<string, number>();
    for (const id of [...chats, diag]) started.set(id, (await queue.getJob(id))!.processedOn!);
    const order = [...started.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    expect(order[0]).toBe(diag);
    expect(order.slice(1)).toEqual(chats); // chats keep their FIFO order behind it
    const { rows } = await db.query<{ kind: string }>('SELECT kind FROM messages ORDER BY id');
    expect(rows.map((r) => r.kind)).toEqual(['diagnose', 'chat', 'chat', 'chat']);
  });
});
