import { WebClient } from '@slack/web-api';
import type { Job, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackReplySink } from '../../adapters/slack/index.js';
import { createRuntime, deliveryJobId, deliveryQueueName, finishMessage, JOB_DELIVER, startMessage, type Runtime } from '../../src/index.js';
import { startDeliveryWorker } from '../../workers/delivery-worker.js';
import { FakeSlack } from '../support/fake-slack.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';

describe('delivery retries and failures are counted', () => {
  let fake: FakeSlack;
  let rt: Runtime;
  let worker: Worker;
  let n = 0;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    rt = await createRuntime(testConfig(), { db: await createTestPgDb() });
    const sink = new SlackReplySink(new WebClient('xoxb-t', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } }));
    worker = await startDeliveryWorker(rt, sink);
  });
  afterAll(async () => {
    await rt?.close();
    await rt?.db.close();
    await fake?.close();
  });

  /** Enqueues the delivery of a fresh answered message and resolves when the worker finished with it. */
  async function deliver(attempts: number): Promise<'completed' | 'failed'> {
    const thread = `1700007000.${String(++n).padStart(6, '0')}`;
    const key = { platform: 'slack' as const, tenant: 'T1', channel: 'C9', thread };
    const m = await startMessage(rt.db, { jobId: `dm-${n}`, key, userId: 'U1', kind: 'chat', question: 'q' });
    await finishMessage(rt.db, m.id, { answer: 'a', reasoning: '', status: 'answered', modelSha256: null, promptTokens: 1, completionTokens: 1, timings: {} });
    const jobId = deliveryJobId(m.id);
    const done = new Promise<'completed' | 'failed'>((resolve) => {
      const onDone = (kind: 'completed' | 'failed') => (job: Job | undefined) => {
        if (job?.id !== jobId || (kind === 'failed' && job.attemptsMade < attempts)) return;
        worker.off('completed', completed);
        worker.off('failed', failed);
        resolve(kind);
      };
      const completed = onDone('completed');
      const failed = onDone('failed');
      worker.on('completed', completed);
      worker.on('failed', failed);
    });
    await rt.queues.deliveryFor('slack').add(JOB_DELIVER, { v: 1, messageId: m.id, key, reply: { channel: 'C9', thread_ts: thread } }, { jobId, attempts });
    return done;
  }
  const value = async (name: string, labels: Record<string, string>) => {
    const metric = (await rt.metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
    return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
  };

  it('a permanent platform error: every attempt counts as an error, the retries as retries, the last one as failed', async () => {
    fake.responders['chat.postMessage'] = () => ({ ok: false, error: 'channel_not_found' });
    expect(await deliver(3)).toBe('failed');
    expect(await value('r1_deliveries_total', { platform: 'slack', outcome: 'error' })).toBe(3);
    expect(await value('r1_delivery_retries_total', { platform: 'slack' })).toBe(2);
    expect(await value('r1_deliveries_total', { platform: 'slack', outcome: 'failed' })).toBe(1);
  });

  it('a transient error then success: one retry, no failure', async () => {
    let calls = 0;
    fake.responders['chat.postMessage'] = (p, call) => (++calls === 1 ? { ok: false, error: 'internal_error' } : (delete fake.responders['chat.postMessage'], { ok: true, channel: p.channel, ts: fake.nextTs(), message: { text: p.text, ts: call.at } }));
    const before = await value('r1_delivery_retries_total', { platform: 'slack' });
    expect(await deliver(3)).toBe('completed');
    expect(await value('r1_delivery_retries_total', { platform: 'slack' })).toBe(before + 1);
    expect(await value('r1_deliveries_total', { platform: 'slack', outcome: 'failed' })).toBe(1);
    expect(await value('r1_deliveries_total', { platform: 'slack', outcome: 'delivered' })).toBe(1);
  });
});
