import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, enqueueInference, inferenceJobId, JobContractError, QUEUE_INFERENCE } from '../../src/index.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';

const job = (eventId: string, text = 'hello') => ({
  v: 1 as const, kind: 'chat' as const, key: { platform: 'slack' as const, tenant: 'T1', channel: 'C1', thread: '1.1' },
  user: { id: 'U1' }, text, source: { eventId, receivedAt: Date.now() },
});

describe('enqueueInference (real Redis)', () => {
  const redis = createRedis(TEST_REDIS_URL);
  let queue: Queue;
  beforeAll(() => {
    queue = new Queue(QUEUE_INFERENCE, { connection: redis, prefix: uniqueId('r1q') });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });

  it('stores one job per platform event, however often it is enqueued', async () => {
    const r = await Promise.all([enqueueInference(queue, job('E1')), enqueueInference(queue, job('E1', 'retry text'))]);
    const again = await enqueueInference(queue, job('E1'));
    expect(again.duplicate).toBe(true);
    expect(new Set(r.map((x) => x.jobId))).toEqual(new Set([inferenceJobId('slack', 'T1', 'E1')]));
    const c = await queue.getJobCounts('waiting', 'prioritized');
    expect(c.waiting + c.prioritized).toBe(1);
    expect((await queue.getJob(r[0].jobId))?.data.text).toBe('hello');
  });

  it('different events are different jobs, ids carry no ":"', async () => {
    const a = await enqueueInference(queue, job('E2'));
    const b = await enqueueInference(queue, job('E3'));
    expect(a.jobId).not.toBe(b.jobId);
    expect(a.jobId).not.toContain(':');
  });

  it('rejects a payload that breaks the contract, naming the field', async () => {
    await expect(enqueueInference(queue, { ...job('E4'), text: '' })).rejects.toThrow(JobContractError);
    await expect(enqueueInference(queue, { ...job('E4'), text: '' })).rejects.toThrow(/text/);
  });
});
