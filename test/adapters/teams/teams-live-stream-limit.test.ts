import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferenceJobId, type Db } from '../../../src/index.js';
import { LocalBotFramework, teamsMessage } from '../../support/local-bot-framework.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

const PERSONAL = 'a:personal-chat-1';

describe.skipIf(!hasTestModel)('Teams streams closed at TEAMS_STREAM_MAX_S', () => {
  let bf: LocalBotFramework;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;

  beforeAll(async () => {
    bf = await new LocalBotFramework().start();
    db = await createTestPgliteDb();
    svc = await startTestService(testConfig({
      ...bf.settings(), LIVE_UPDATES: 'true', TEAMS_STREAM_MAX_S: '2', LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '1600',
    } as never), db);
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await bf?.close();
    await closeTestEngines();
  });

  it('a long answer goes out in consecutive streams, each ended by one final message; the finals are the stored answer', async () => {
    const act = teamsMessage(bf, { text: 'tell me a long story about the turbine', kind: 'personal' });
    expect((await bf.postActivity(`${svc.baseUrl}/api/messages`, act)).status).toBe(200);
    const jobId = inferenceJobId('teams', 'tenant-1', `${PERSONAL}/${String(act.id)}`);
    let answer: string | undefined;
    for (const t0 = Date.now(); answer === undefined && Date.now() - t0 < 90_000; await new Promise((r) => setTimeout(r, 100))) {
      const { rows } = await db.query<{ answer: string }>('SELECT answer FROM messages WHERE job_id = $1 AND delivered_at IS NOT NULL', [jobId]);
      answer = rows[0]?.answer;
    }
    expect(answer).toBeDefined();
    const streams = bf.streamsIn(PERSONAL).filter((s) => s.posts.some((p) => p.streamType === 'streaming'));
    expect(streams.length).toBeGreaterThanOrEqual(2);
    for (const s of streams) {
      expect(s.state).toBe('final');
      expect(s.posts.filter((p) => p.streamType === 'final')).toHaveLength(1);
    }
    // Every stream's final holds exactly its part: together, the answer, once.
    expect(streams.map((s) => s.text).join('')).toBe(answer);
    // No update-in-place fallback was needed, and nothing else was posted.
    expect(bf.calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
    const posted = bf.calls.filter((c) => c.method === 'POST' && c.body?.type === 'message' && c.path === `/teams/v3/conversations/${PERSONAL}/activities`);
    expect(posted).toHaveLength(streams.length);
  }, 120_000);
});
