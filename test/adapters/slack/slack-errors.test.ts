import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackClientOptions, withCoreErrors } from '../../../adapters/slack/index.js';
import { PlatformRateLimitError } from '../../../src/index.js';
import { FakeSlack } from '../../support/fake-slack.js';

/** The Slack edge: a 429 rejects the one call at once, as the core's rate-limit error naming the method. */
describe('Slack errors at the adapter edge', () => {
  let fake: FakeSlack;
  let client: WebClient;
  beforeAll(async () => {
    fake = await new FakeSlack().start();
    client = withCoreErrors(new WebClient('xoxb-e', slackClientOptions(fake.apiUrl)));
  });
  afterAll(() => fake.close());

  it('a 429 becomes PlatformRateLimitError with the method and Retry-After; other methods are not held', async () => {
    fake.rateLimit('chat.postMessage', { retryAfterS: 30 });
    const t0 = Date.now();
    const err = await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformRateLimitError);
    expect(err).toMatchObject({ platform: 'slack', method: 'chat.postMessage', retryAfterMs: 30_000, code: 'platform_rate_limited' });
    // Not paused behind the 30 s: the client's queue keeps serving other methods.
    await client.chat.update({ channel: 'C1', ts: '1.1', text: 'y' });
    await client.apiCall('reactions.add', { channel: 'C1', timestamp: '1.1', name: 'eyes' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    fake.clearFaults();
  });

  it('other Slack errors pass through unchanged (their data.error still readable)', async () => {
    fake.responders['chat.delete'] = () => ({ ok: false, error: 'message_not_found' });
    const err = await client.chat.delete({ channel: 'C1', ts: '9.9' }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(PlatformRateLimitError);
    expect((err as { data: { error: string } }).data.error).toBe('message_not_found');
    delete fake.responders['chat.delete'];
  });

  it('a 5xx is not retried by the client: the post is made once', async () => {
    fake.failAfterStore({ methods: ['chat.postMessage'], every: 1 });
    await expect(client.chat.postMessage({ channel: 'C2', text: 'once' })).rejects.toThrow();
    fake.clearFaults();
    expect(fake.messages.filter((m) => m.channel === 'C2')).toHaveLength(1);
  });
});
