import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelRegistry, createLivePublisher, createLogger, createMetrics, createRedis, followLiveAnswer, getMessageByJobId, migrate, processInference, QueueSet,
  type Db, type Engine, type InferenceDeps, type InferenceJob, type LiveAnswer,
} from '../../src/index.js';
import type { GenerateRequest, GenerateResult } from '../../src/engine/index.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';

/**
 * A model that answers each call differently (as one sampling at temperature > 0 does), streaming
 * its answer in chunks: a regenerated answer would show.
 */
function changingEngine(): Engine & { calls: number } {
  const e = {
    kind: 'llama' as const, concurrency: 1, inFlight: 0, loadMs: 0, closed: false, calls: 0,
    modelIdentity: Promise.resolve({ engine: 'llama' as const, id: 'fake.gguf', sha256: null }),
    close: async () => {},
    async generate(req: GenerateRequest): Promise<GenerateResult> {
      e.calls += 1;
      const answer = e.calls === 1 ? 'Check the coupling first, then the bearings.' : 'Replace the seal.';
      for (const piece of answer.match(/.{1,7}/g)!) req.onChunk?.({ kind: 'answer', text: piece });
      return {
        answer, reasoning: '', stopped: false, promptTokens: 5, completionTokens: 9, reasoningTokens: 0, batchPeak: 1, adapter: null,
        timings: { sequenceWaitMs: 0, firstTokenMs: 1, totalMs: 2 },
      };
    },
  };
  return e;
}

const job = (): InferenceJob => ({
  v: 1, kind: 'chat', key: { platform: 'api', tenant: 'api', channel: 'client-a', thread: uniqueId('req') }, user: { id: 'client-a' }, text: 'Why does P-101 vibrate?',
  history: [], source: { eventId: uniqueId('ev'), receivedAt: Date.now() }, reply: {},
} as InferenceJob);

/**
 * A worker that dies after saving an answer but before it ends the job's live stream (or whose
 * end event cannot be written): BullMQ retries the job. The client following the stream (the API's
 * `stream: true`, as `followLiveAnswer`) must end on the answer it was streamed, which must be the
 * one stored, and the model must not be asked again.
 */
describe('a worker that dies between saving the answer and ending the live stream', () => {
  let db: Db;
  let redis: ReturnType<typeof createRedis>;
  let follower: ReturnType<typeof createRedis>;
  let queues: QueueSet;
  let cancel: CancelRegistry;
  const prefix = uniqueId('r1crashend');

  beforeAll(async () => {
    db = await createTestPgDb();
    await migrate(db);
    redis = createRedis(TEST_REDIS_URL);
    follower = redis.duplicate();
    queues = new QueueSet({ connection: redis, prefix });
    cancel = await CancelRegistry.create(redis, prefix);
  });
  afterAll(async () => {
    await cancel?.close();
    await queues?.close();
    follower?.disconnect();
    await redis?.quit();
    await db?.close();
  });

  const depsWith = (engine: Engine, publisher: ReturnType<typeof createLivePublisher>): InferenceDeps => ({
    db, engine, queues, metrics: createMetrics(), log: createLogger({ level: 'silent' }),
    settings: { maxTokens: 32, temperature: 0.7, historyMaxChars: 1000 },
    live: { publisher, cancel, thoughtBudgetFor: () => undefined },
  });

  it('the retry ends the stream on the saved answer without generating again: streamed = stored, once', async () => {
    const engine = changingEngine();
    const publisher = createLivePublisher(redis, prefix, 5);
    // The first attempt's worker: everything works until the live stream's end event.
    const dying: typeof publisher = (id) => ({ ...publisher(id), end: async () => { throw new Error('worker died'); } });
    const jobId = uniqueId('api');
    const data = job();

    const streamed: string[] = [];
    let live: LiveAnswer | undefined;
    let rowAtEnd: Awaited<ReturnType<typeof getMessageByJobId>> | undefined;
    const following = followLiveAnswer(follower, prefix, jobId, { answer: (t) => void streamed.push(t) }, new AbortController().signal, 50)
      .then(async (r) => {
        live = r;
        rowAtEnd = await getMessageByJobId(db, jobId); // read at once, as the API does after the end event
      });

    await expect(processInference(depsWith(engine, dying), jobId, data)).rejects.toThrow('worker died');
    const saved = (await getMessageByJobId(db, jobId))!;
    expect(saved).toMatchObject({ status: 'answered', answer: 'Check the coupling first, then the bearings.' });
    await new Promise((r) => setTimeout(r, 200));
    expect(live).toBeUndefined(); // no end event yet: the client waits for the retry

    // BullMQ's retry of the stalled job, on another worker.
    const res = await processInference(depsWith(engine, publisher), jobId, data);
    expect(res).toMatchObject({ status: 'duplicate', messageId: saved.id });
    await following;
    expect(engine.calls).toBe(1);
    expect(live).toMatchObject({ status: 'answered', attempts: 1, diverged: false });
    expect(streamed.join('')).toBe(saved.answer);
    expect(rowAtEnd).toMatchObject({ id: saved.id, status: 'answered', answer: saved.answer });
    // One delivery job for the one message.
    expect(await queues.deliveryFor('api').getJobCounts('waiting', 'delayed', 'active', 'completed')).toMatchObject({ waiting: 1 });
  });

  it('a normal attempt ends the live stream only after the answer, its adapter and provenance are saved', async () => {
    const engine = changingEngine();
    const jobId = uniqueId('api');
    let rowAtEnd: Awaited<ReturnType<typeof getMessageByJobId>> | undefined;
    const following = followLiveAnswer(follower, prefix, jobId, {}, new AbortController().signal, 50)
      .then(async () => (rowAtEnd = await getMessageByJobId(db, jobId)));
    // A slow message log (saving the answer takes 300 ms): the end event still comes after it.
    const slowDb: Db = { ...db, query: (async (sql: string, params?: unknown[]) => {
      if (/UPDATE messages SET answer =/.test(sql)) await new Promise((r) => setTimeout(r, 300));
      return db.query(sql, params as never);
    }) as Db['query'] };
    await processInference({ ...depsWith(engine, createLivePublisher(redis, prefix, 5)), db: slowDb }, jobId, job());
    await following;
    expect(rowAtEnd).toMatchObject({ status: 'answered', answer: 'Check the coupling first, then the bearings.' });
  });
});
