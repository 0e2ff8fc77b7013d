import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachScope, createLivePublisher, createLogger, followLive, createMetrics, createRedis, createRetriever, diagnosisResultSchema, diagnosisViewSchema, getDiagnosisByJobId, getMessageByJobId,
  ingestPaths, migrate, processDiagnosis, QueueSet, toDiagnosisView, type DiagnosisDeps, type DiagnosisJobInput, type Db, type RetrievedChunk,
  type LiveEvent, type RetrieveRequest, type Retriever,
} from '../../src/index.js';
import { diagnosisBlocks } from '../../adapters/slack/index.js';
import { renderDiagnosisCard } from '../../adapters/teams/render-diagnosis-card.js';
import { adaptiveCardIssues } from '../support/adaptive-card.js';
import { importTestRegistry } from '../support/diagnosis-fixtures.js';
import { PLANT_A_DIR } from '../support/rag-fixtures.js';
import { hasTestModel } from '../support/shared-assets.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';
import { closeTestEngines, getTestEngine } from '../support/test-engine.js';

/** A retriever that records what it was asked and answers from a fixed list (the `Retriever` contract, injected). */
class RecordingRetriever implements Retriever {
  readonly requests: RetrieveRequest[] = [];
  constructor(private readonly chunks: RetrievedChunk[]) {}
  async retrieve(req: RetrieveRequest): Promise<RetrievedChunk[]> {
    this.requests.push(req);
    return this.chunks.slice(0, req.k);
  }
}

const chunk = (n: number, text: string): RetrievedChunk => ({
  chunkId: `c${n}`, scope: 'plant-a', documentId: `d${n}`, title: `Manual ${n}`, source: `manual-${n}.md`, headingPath: [`Manual ${n}`, `Section ${n}`], text, score: 1 / n,
});

let evN = 0;
const job = (over: Partial<DiagnosisJobInput['diagnosis']> = {}, channel = 'CDIAG'): DiagnosisJobInput => ({
  v: 1, kind: 'diagnose', key: { platform: 'slack', tenant: 'T1', channel, thread: `diagnose-${++evN}` }, user: { id: 'U1' },
  text: 'E-214 high vibration after restart',
  diagnosis: { assetId: 'P-101', faultCode: 'E-214', symptom: 'high vibration after restart', ...over },
  source: { eventId: `ev-${evN}`, receivedAt: Date.now() }, reply: { channel },
});

describe.skipIf(!hasTestModel)('processDiagnosis: real inference on the tiny model under the JSON-schema grammar', () => {
  let db: Db;
  let queues: QueueSet;
  let redis: ReturnType<typeof createRedis>;
  let base: Omit<DiagnosisDeps, 'settings'>;
  const settings = { maxTokens: 1400, reasoningTokens: 0, temperature: 0, topK: 3, contextMaxChars: 900 };

  beforeAll(async () => {
    db = await createTestPgDb();
    await migrate(db);
    await importTestRegistry(db);
    await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR] });
    redis = createRedis(TEST_REDIS_URL);
    queues = new QueueSet({ connection: redis, prefix: uniqueId('r1pd') });
    base = { db, engine: await getTestEngine(2, 2048), queues, metrics: createMetrics(), log: createLogger({ level: 'silent' }) };
  });
  afterAll(async () => {
    await queues?.close();
    await redis?.quit();
    await db?.close();
    await closeTestEngines();
  });

  it('retrieves the asset\'s manual, generates a result that parses, stores it, renders it for Slack and Teams', { timeout: 180_000 }, async () => {
    const deps: DiagnosisDeps = { ...base, settings, retriever: createRetriever({ db }) };
    const data = job();
    const res = await processDiagnosis(deps, 'job-real-1', data);
    expect(res.status).toBe('answered');
    const d = (await getDiagnosisByJobId(db, 'job-real-1'))!;
    expect(d.status).toBe('answered');
    const result = diagnosisResultSchema.parse(d.result);
    // Registry facts come from the registry, never from the model.
    expect(result.asset).toEqual({ id: 'P-101', name: 'Feed-water pump', model: 'CP-200', location: 'Line A / Hall 2', oncall: 'S0PUMPS' });
    expect(result.fault).toEqual({ code: 'E-214', meaning: 'High vibration', severity: 'alarm', level: 2 });
    // The asset's scope (plant-a) was searched: the pump manual's E-214 section is a source.
    expect(result.sources.length).toBeGreaterThan(0);
    expect(result.sources.some((s) => s.source === 'pumps/p101-manual.md')).toBe(true);
    for (const c of result.causes) for (const n of c.evidence) expect(n).toBeLessThanOrEqual(result.sources.length);
    expect(result.causes.length).toBeGreaterThanOrEqual(1);
    expect(result.checks.length).toBeGreaterThanOrEqual(1);
    const likelihoods = result.causes.map((c) => ({ high: 0, medium: 1, low: 2 })[c.likelihood]);
    expect([...likelihoods].sort()).toEqual(likelihoods); // ranked
    // The message log has the Markdown rendering, the diagnoses row the prompt for the fine-tuning export.
    const m = (await getMessageByJobId(db, 'job-real-1'))!;
    expect(m.kind).toBe('diagnose');
    expect(m.status).toBe('answered');
    expect(m.answer).toContain('**Probable causes**');
    expect(d.prompt!.question).toContain('Fault code: E-214, catalogue meaning: High vibration (severity alarm).');
    expect(d.prompt!.question).toContain('<source 1>');
    // Delivery was handed on.
    expect(await queues.deliveryFor('slack').getJob(`deliver-${m.id}`)).toBeDefined();
    // The same result renders as Block Kit and as a valid Adaptive Card.
    const view = diagnosisViewSchema.parse(toDiagnosisView(d));
    const blocks = diagnosisBlocks(view);
    expect(blocks.at(-1)).toMatchObject({ type: 'actions' });
    expect(adaptiveCardIssues(renderDiagnosisCard(view))).toEqual([]);
  });

  it('reasons first when asked, then answers under the grammar (two generations, reasoning stored); live: started, the reasoning, end', { timeout: 180_000 }, async () => {
    const prefix = uniqueId('r1pdlive');
    const deps: DiagnosisDeps = { ...base, settings: { ...settings, reasoningTokens: 24 }, retriever: createRetriever({ db }), live: { publisher: createLivePublisher(redis, prefix, 10) } };
    await processDiagnosis(deps, 'job-real-2', job({ faultCode: null, symptom: 'seal leaking water' }));
    const m = (await getMessageByJobId(db, 'job-real-2'))!;
    expect(m.timings.steps).toBe(2);
    expect(m.reasoning!.length).toBeGreaterThan(0);
    // What the web chat follows: the free reasoning as thought, no JSON as answer text, then the end.
    const events: LiveEvent[] = [];
    const follower = redis.duplicate();
    await followLive(follower, prefix, 'job-real-2', (e) => void events.push(e), AbortSignal.timeout(5000), 100);
    follower.disconnect();
    expect(events[0]!.type).toBe('started');
    expect(events.at(-1)).toEqual({ type: 'end', status: 'answered' });
    expect(events.filter((e) => e.type === 'answer')).toEqual([]);
    const thought = events.map((e) => (e.type === 'thought' ? e.text : '')).join('');
    expect(thought.length).toBeGreaterThan(0);
    expect(m.reasoning!.replace(/\s+/g, '')).toContain(thought.replace(/\s+/g, '').slice(0, 20));
    const d = (await getDiagnosisByJobId(db, 'job-real-2'))!;
    expect(diagnosisResultSchema.parse(d.result).fault).toBeNull();
  });

  it('searches the asset scope plus the channel\'s scopes through an injected Retriever, and cites only what it returned', { timeout: 180_000 }, async () => {
    await attachScope(db, { platform: 'slack', tenant: 'T1', channel: 'CBOUND' }, 'plant-a', 'test');
    await ingestPaths({ db, scope: 'plant-b', paths: [PLANT_A_DIR] }); // any documents: the scope must exist to be bound
    await attachScope(db, { platform: 'slack', tenant: 'T1', channel: 'CBOUND' }, 'plant-b', 'test');
    const retriever = new RecordingRetriever([chunk(1, 'E-214 high vibration: check coupling alignment.'), chunk(2, 'Cavitation sounds like gravel.')]);
    await processDiagnosis({ ...base, settings, retriever }, 'job-inj-1', job({}, 'CBOUND'));
    expect(retriever.requests).toEqual([{ scopes: ['plant-a', 'plant-b'], query: 'CP-200 E-214 High vibration high vibration after restart', k: 3, maxChars: 900 }]);
    const r = diagnosisResultSchema.parse((await getDiagnosisByJobId(db, 'job-inj-1'))!.result);
    expect(r.sources).toEqual([
      { n: 1, title: 'Manual 1', source: 'manual-1.md', section: 'Section 1' },
      { n: 2, title: 'Manual 2', source: 'manual-2.md', section: 'Section 2' },
    ]);
    for (const c of r.causes) expect(c.evidence.every((n) => n === 1 || n === 2)).toBe(true);
  });

  it('without a retriever (or nothing found) cites nothing: the grammar allows no evidence', { timeout: 180_000 }, async () => {
    await processDiagnosis({ ...base, settings }, 'job-none-1', job({ assetId: 'K-7', faultCode: 'A-330', symptom: 'hot' }));
    const r = diagnosisResultSchema.parse((await getDiagnosisByJobId(db, 'job-none-1'))!.result);
    expect(r.sources).toEqual([]);
    expect(r.causes.flatMap((c) => c.evidence)).toEqual([]);
    expect((await getDiagnosisByJobId(db, 'job-none-1'))!.prompt!.question).toContain('No manual section matched this fault');
  });

  it('a token limit too small for the JSON fails clearly (retried, never stored half-parsed)', { timeout: 180_000 }, async () => {
    await expect(processDiagnosis({ ...base, settings: { ...settings, maxTokens: 12 } }, 'job-short-1', job())).rejects.toThrow(/not JSON .*DIAGNOSIS_MAX_TOKENS/);
    expect((await getDiagnosisByJobId(db, 'job-short-1'))!.status).toBe('generating');
  });
});
