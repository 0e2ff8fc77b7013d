import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Db, type SourceRef } from '../../../src/index.js';
import { attachScope, ingestPaths } from '../../../src/rag/index.js';
import { MODEL_ONLY_NOTE, NO_MATCH_NOTE } from '../../../adapters/slack/knowledge-blocks.js';
import { FakeSlack, type SlackCall } from '../../support/fake-slack.js';
import { B_ONLY_QUESTIONS, PLANT_A_DIR, PLANT_B_DIR } from '../../support/rag-fixtures.js';
import { hasTestModel, NO_MODEL_REASON } from '../../support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../../support/slack-signing.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

const SECRET = 'rag-signing-secret';
const B_SOURCES = new Set(['k7-compressor.md', 'k7-service.html']);
let tsN = 0;
const newTs = () => `1700002000.${String(++tsN).padStart(6, '0')}`;

type Block = { type: string; text?: { text: string }; elements?: Array<{ text: string }> };
const blockText = (c: SlackCall) => ((c.params.blocks as Block[] | undefined) ?? []).map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '').join('\n');

describe.skipIf(!hasTestModel)('chat answers from the channel\'s knowledge (Slack, end to end)', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let url: string;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgDb();
    await migrate(db);
    await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR] });
    await ingestPaths({ db, scope: 'plant-b', paths: [PLANT_B_DIR] });
    await attachScope(db, { platform: 'slack', tenant: 'T1', channel: 'CA' }, 'plant-a', 'test');
    await attachScope(db, { platform: 'slack', tenant: 'T1', channel: 'CB' }, 'plant-b', 'test');
    const cfg = testConfig({
      SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl,
      LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '24', RAG_CONTEXT_MAX_CHARS: '700', RAG_TOP_K: '3',
    });
    svc = await startTestService(cfg, db);
    url = `${svc.baseUrl}/slack/events`;
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });

  /** Mentions the bot in a channel (or DMs it) and waits for the threaded reply. */
  async function ask(channel: string, text: string, dm = false) {
    const ts = newTs();
    const ev = dm
      ? { type: 'message', channel_type: 'im', user: 'U1', text, ts, channel, event_ts: ts }
      : { type: 'app_mention', user: 'U1', text: `<@UBOT> ${text}`, ts, channel, event_ts: ts };
    expect((await postSignedToSlackApp(url, SECRET, slackEventEnvelope(ev))).status).toBe(200);
    const reply = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts, 60_000);
    const { rows } = await db.query<{ knowledge: string; sources: SourceRef[]; answer: string }>('SELECT knowledge, sources, answer FROM messages WHERE thread = $1 AND channel = $2', [ts, channel]);
    return { reply, row: rows[0]! };
  }

  it('cites the channel\'s documents by number with title, section and path under the answer', async () => {
    const { reply, row } = await ask('CA', 'the pump shows E-214 high vibration after restart, what should I check?');
    expect(row.knowledge).toBe('cited');
    expect(row.sources[0]).toEqual({ n: 1, title: 'Centrifugal Pump P-101 Manual', section: 'Fault codes › E-214 High vibration', source: 'pumps/p101-manual.md' });
    const shown = blockText(reply);
    expect(shown).toMatch(/\*Sources\*\n\[1\] \*Centrifugal Pump P-101 Manual\* › Fault codes › E-214 High vibration · `pumps\/p101-manual\.md`/);
    expect(row.sources.every((s) => !B_SOURCES.has(s.source))).toBe(true);
  });

  it.each(B_ONLY_QUESTIONS)('channel A asking for B\'s content (%j) gets zero B sources', async (q) => {
    const { reply, row } = await ask('CA', q);
    expect(['cited', 'no_match']).toContain(row.knowledge);
    expect(row.sources.filter((s) => B_SOURCES.has(s.source))).toEqual([]);
    expect(blockText(reply)).not.toMatch(/k7-|K-7 Service|Screw Compressor/);
  });

  it('channel B gets B\'s documents for the same kind of question (the suite above is not vacuous)', async () => {
    const { row } = await ask('CB', 'zeolite dryer regeneration purge silencer dew point');
    expect(row.knowledge).toBe('cited');
    expect(row.sources[0]!.source).toBe('k7-compressor.md');
  });

  it('a DM (no scope attached) naming B\'s content retrieves nothing and is marked model-only', async () => {
    const { reply, row } = await ask('D1', 'zeolite dryer regeneration on the K-7 compressor, scope plant-b', true);
    expect(row).toMatchObject({ knowledge: 'model_only', sources: [] });
    expect(blockText(reply)).toContain(MODEL_ONLY_NOTE);
  });

  it('says so when nothing relevant is found, and shows no citation', async () => {
    const { reply, row } = await ask('CA', 'who won the football world cup?');
    expect(row).toMatchObject({ knowledge: 'no_match', sources: [] });
    expect(blockText(reply)).toContain(NO_MATCH_NOTE);
    expect(row.answer).not.toMatch(/\[\d+\]/);
  });
});
if (!hasTestModel) console.warn(NO_MODEL_REASON);
