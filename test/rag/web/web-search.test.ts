import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate, type Db } from '../../../src/index.js';
import { blendWeb, createRetriever, createSearxngSearch, ingestPaths, isAllowedUrl, knowledgeForQuestion, setWebSearch, attachScope } from '../../../src/rag/index.js';
import { FakeSearxng } from '../../support/fake-searxng.js';
import { PLANT_A_DIR } from '../../support/rag-fixtures.js';
import { createTestPgliteDb } from '../../support/test-db.js';

const RESULTS = [
  { url: 'https://pumps.example.com/e214', title: 'E-214 vibration explained', content: 'Vibration alarms on centrifugal pumps usually mean misalignment.' },
  { url: 'https://evil.example.net/x', title: 'Not allowed', content: 'Should be filtered by the allow-list.' },
  { url: 'https://docs.pumps.example.com/bearings', title: 'Bearing care', content: 'Grease intervals for pump bearings.' },
  { url: 'ftp://pumps.example.com/file', title: 'FTP', content: 'not http' },
];

describe('web search (SearXNG JSON) blended with local documents', () => {
  let searx: FakeSearxng;
  let db: Db;
  beforeAll(async () => {
    searx = await new FakeSearxng().start();
    db = await createTestPgliteDb();
    await migrate(db);
    await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR] });
  });
  afterAll(async () => {
    await searx?.close();
    await db?.close();
  });
  beforeEach(() => {
    searx.mode = 'ok';
    searx.results = RESULTS;
  });

  it.each([
    ['https://pumps.example.com/a', ['example.com'], true],
    ['https://docs.pumps.example.com/a', ['pumps.example.com'], true],
    ['https://notpumps.example.com.evil.net/a', ['example.com'], false],
    ['https://badexample.com/a', ['example.com'], false],
    ['javascript:alert(1)', [], false],
    ['https://anything.org/', [], true],
  ])('allow-list: %s with %j → %s', (url, domains, ok) => {
    expect(isAllowedUrl(url, domains)).toBe(ok);
  });

  it('queries SearXNG with format=json and keeps only allowed http(s) results, in engine order', async () => {
    const web = createSearxngSearch({ url: searx.url, allowDomains: ['example.com'] });
    const res = await web.search('E-214 vibration', 5);
    expect(res.error).toBeUndefined();
    expect(searx.queries.at(-1)).toBe('E-214 vibration');
    expect(res.results.map((r) => r.url)).toEqual(['https://pumps.example.com/e214', 'https://docs.pumps.example.com/bearings']);
    const all = await createSearxngSearch({ url: searx.url }).search('x', 5);
    expect(all.results.map((r) => r.url)).toEqual(['https://pumps.example.com/e214', 'https://evil.example.net/x', 'https://docs.pumps.example.com/bearings']);
    const strict = await createSearxngSearch({ url: searx.url, allowDomains: ['pumps.example.com'] }).search('x', 5);
    expect(strict.results.map((r) => r.title)).toEqual(['E-214 vibration explained', 'Bearing care']);
  });

  it('blends by alpha: 1 equals local-only, 0 is web-only, 0.6 interleaves with web badged', async () => {
    const web = createSearxngSearch({ url: searx.url, allowDomains: ['pumps.example.com'] });
    const r = createRetriever({ db, web });
    const q = 'E-214 vibration bearing grease';
    const local = await r.retrieve({ scopes: ['plant-a'], query: q, k: 4 });
    expect(local.length).toBeGreaterThan(1);
    expect(await r.retrieve({ scopes: ['plant-a'], query: q, k: 4, web: { alpha: 1 } })).toEqual(local);
    const webOnly = await r.retrieve({ scopes: ['plant-a'], query: q, k: 4, web: { alpha: 0 } });
    expect(webOnly.map((c) => c.source)).toEqual(['https://pumps.example.com/e214', 'https://docs.pumps.example.com/bearings']);
    expect(webOnly.every((c) => c.web === true && c.scope === 'web')).toBe(true);
    const mixed = await r.retrieve({ scopes: ['plant-a'], query: q, k: 4, web: { alpha: 0.6 } });
    expect(mixed.map((c) => c.web === true).slice(0, 3)).toEqual([false, true, false]);
    expect(mixed.filter((c) => !c.web).map((c) => c.chunkId)).toEqual(local.slice(0, mixed.filter((c) => !c.web).length).map((c) => c.chunkId));
    expect(mixed.filter((c) => c.web).map((c) => c.source)).toEqual(webOnly.slice(0, mixed.filter((c) => c.web).length).map((c) => c.source));
  });

  it.each(['http500', 'badjson', 'hang'] as const)('falls back to local results without an error when SearXNG fails (%s)', async (mode) => {
    searx.mode = mode;
    const web = createSearxngSearch({ url: searx.url, timeoutMs: 300 });
    const r = createRetriever({ db, web });
    const local = await r.retrieve({ scopes: ['plant-a'], query: 'E-214 vibration', k: 3 });
    const { chunks, trace } = await r.retrieveWithTrace({ scopes: ['plant-a'], query: 'E-214 vibration', k: 3, web: { alpha: 0.6 } });
    expect(chunks.map((c) => c.chunkId)).toEqual(local.map((c) => c.chunkId));
    expect(trace.webError).toMatch(mode === 'hang' ? /timeout/ : /HTTP 500|JSON|results/);
  });

  it('falls back when nothing listens at WEB_SEARCH_URL (no network)', async () => {
    const web = createSearxngSearch({ url: 'http://127.0.0.1:9/search', timeoutMs: 1000 });
    const res = await web.search('anything', 3);
    expect(res.results).toEqual([]);
    expect(res.error).toBeTruthy();
  });

  it('uses web search only in channels that enabled it, with the channel\'s own weight', async () => {
    const web = createSearxngSearch({ url: searx.url, allowDomains: ['pumps.example.com'] });
    const deps = { db, retriever: createRetriever({ db, web }), k: 4, maxChars: 5000, webConfigured: true, webAlpha: 0.6 };
    const ch = { platform: 'teams' as const, tenant: 'tenant-1', channel: '19:abc@thread.tacv2' };
    await attachScope(db, ch, 'plant-a', 'test');
    const before = searx.queries.length;
    const off = await knowledgeForQuestion(deps, ch, 'E-214 vibration bearing grease');
    expect(off.sources.some((s) => s.web)).toBe(false);
    expect(searx.queries.length).toBe(before);
    await setWebSearch(db, ch, true, 'test', 0);
    const on = await knowledgeForQuestion(deps, ch, 'E-214 vibration bearing grease');
    expect(on.status).toBe('cited');
    expect(on.sources.every((s) => s.web)).toBe(true);
    expect(on.sources[0]).toEqual({ n: 1, title: 'E-214 vibration explained', source: 'https://pumps.example.com/e214', section: '', web: true });
    // A channel with web search but no scope: web results only, still cited.
    const webOnlyCh = { ...ch, channel: '19:other@thread.tacv2' };
    await setWebSearch(db, webOnlyCh, true, 'test');
    expect((await knowledgeForQuestion(deps, webOnlyCh, 'E-214 vibration')).sources.every((s) => s.web)).toBe(true);
    // Without WEB_SEARCH_URL the setting is ignored: model-only.
    expect((await knowledgeForQuestion({ ...deps, webConfigured: false }, webOnlyCh, 'E-214 vibration')).status).toBe('model_only');
  });

  it.each([
    [0.5, ['l1', 'web:1', 'l2', 'web:2', 'l3', 'web:3', 'l4', 'l5']],
    [0.6, ['l1', 'web:1', 'l2', 'l3', 'web:2', 'l4', 'web:3', 'l5']],
    [0.25, ['web:1', 'web:2', 'l1', 'web:3', 'l2', 'l3', 'l4', 'l5']],
  ])('blendWeb interleaves by the local share alpha=%s, each list in its own order', (alpha, want) => {
    const mk = (id: string) => ({ chunkId: id, scope: 'a', documentId: id, title: id, source: id, headingPath: [], text: id, score: 1 });
    const web = [1, 2, 3].map((i) => ({ url: `https://w/${i}`, title: `w${i}`, snippet: 's' }));
    const out = blendWeb(['l1', 'l2', 'l3', 'l4', 'l5'].map(mk), web, alpha);
    expect(out.map((c) => c.chunkId)).toEqual(want);
  });
});
