import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/index.js';
import { FakeSlack } from '../support/fake-slack.js';
import { hasTestModel } from '../support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../support/slack-signing.js';
import { startTestService } from '../support/start-test-service.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgliteDb } from '../support/test-db.js';
import { closeTestEngines } from '../support/test-engine.js';

const SECRET = 's';
/** Parses Prometheus text into {name → label sets}. */
function series(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_:][a-z0-9_:]*)(\{[^}]*\})? /.exec(line);
    if (!m) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2] ?? '']);
  }
  return out;
}

describe.skipIf(!hasTestModel)('/metrics after real requests', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgliteDb();
    svc = await startTestService(testConfig({ SLACK_BOT_TOKEN: 'xoxb-m', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl }), db);
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });

  it('exposes every family the operations dashboards use, with bounded labels', async () => {
    // Many distinct users, channels and threads: none of them may become a label value.
    const evs = Array.from({ length: 12 }, (_, i) => ({ type: 'app_mention', user: `U${i}`, text: `<@UBOT> q${i}`, ts: `1700009000.0000${10 + i}`, channel: `C${i}`, event_ts: `1700009000.0000${10 + i}` }));
    for (const ev of evs) await postSignedToSlackApp(`${svc.baseUrl}/slack/events`, SECRET, slackEventEnvelope(ev));
    await fake.waitForCount((c) => c.method === 'chat.postMessage', 12);
    const text = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    const s = series(text);
    for (const family of [
      'r1_events_received_total', 'r1_events_acked_total', 'r1_ack_seconds_bucket', 'r1_queue_jobs', 'r1_job_wait_seconds_bucket',
      'r1_time_to_first_token_seconds_bucket', 'r1_generation_tokens_per_second_bucket', 'r1_generation_tokens_total', 'r1_sequences_in_use',
      'r1_sequences_configured', 'r1_model_load_seconds', 'r1_vram_bytes', 'r1_memory_fragmentation_ratio', 'r1_deliveries_total',
      'r1_jobs_total', 'r1_http_requests_total', 'r1_batch_size_bucket', 'r1_process_resident_memory_bytes', 'r1_ram_bytes', 'r1_llama_memory_bytes',
    ]) expect(s.has(family), family).toBe(true);
    expect(text).toMatch(/r1_queue_jobs\{queue="inference",state="waiting"\} \d+/);
    expect(text).toMatch(/r1_generation_tokens_total\{kind="completion",adapter="base"\} [1-9]/);
    expect(text).toMatch(/r1_generation_tokens_total\{kind="prompt",adapter="base"\} [1-9]/);
    // The real llama.cpp state of the test model: some CPU memory held, none on a GPU here.
    expect(text).toMatch(/r1_llama_memory_bytes\{device="cpu"\} [1-9]\d*/);
    expect(text).toMatch(/r1_ram_bytes\{kind="total"\} [1-9]\d*/);
    expect(text).toMatch(/r1_sequences_configured 4/);
    expect(text).toMatch(/r1_events_received_total\{platform="slack",kind="app_mention"\} 12/);
    const allLabels = [...s.values()].flat().join(' ');
    for (const ev of evs) {
      expect(allLabels).not.toContain(`"${ev.user}"`);
      expect(allLabels).not.toContain(`"${ev.channel}"`);
    }
    // Label sets per family stay small whatever the traffic.
    for (const [name, sets] of s) expect(new Set(sets).size, name).toBeLessThanOrEqual(40);
  });
});
