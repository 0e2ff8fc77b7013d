import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Db } from '../../../src/index.js';
import { MIGRATIONS_DIR } from '../../../src/storage/migrate.js';
import { recordMessageKnowledge, startMessage } from '../../../src/storage/index.js';
import {
  attachScope, createRetriever, diversify, ensureScope, ingestPaths, knowledgeForQuestion, parseSynonyms, refreshScopeStats, roughStem, synonymExpansions, type RetrieveRequest,
} from '../../../src/rag/index.js';
import { lexicalSearch } from '../../../src/rag/retrieve/lexical.js';
import { createTestPgDb, createTestPgliteDb } from '../../support/test-db.js';

/** Small manuals whose words differ from how a technician asks. */
const DOCS: Record<string, string> = {
  'probe.md': '# BL-Touch probe\n\n## Output mode\n\nThe BL-Touch v3 can switch its output to 5V or open drain. Boards with 3.3V inputs need open drain.\n',
  'drivers.md': '# Stepper drivers\n\n## Quiet mode\n\nUse stealthChop on the X and Y steppers for silent moves; spreadCycle gives more torque.\n\n## Faults\n\nA ShortToGND report means a motor wire touches ground.\n',
  'codes.md': '# Fault codes\n\n## E-214 High vibration\n\nStop the pump and check the coupling alignment.\n',
  'mesh.md': '# Mesh\n\n## Calibration\n\nRun bed_mesh calibrate with TUNING_TOWER disabled. Connect the fan to /dev/ttyUSB0 at 24V.\n',
  'homing.md': '# Homing\n\n## Moving before homing\n\nThe toolhead cannot be moved with the manual move buttons until the axes are homed.\n',
  'hotend.md': '# Hotend\n\n## Cartridge checks\n\nThe heater cartridge and thermistor wires must be tight.\n\n## Nozzle pressure\n\nPressure advance tuning lowers ooze at corners.\n\n## Reset\n\nPress the reset button after a fault.\n',
  'pumps.md': '# Pumps\n\n## Lubrication\n\nGrease the bearings every 500 hours.\n\n## Seals\n\nReplace the seals every year; the seals leak when dry.\n\n## Impeller\n\nThe impeller is balanced at the factory.\n\n## Coupling\n\nCheck the coupling when the pump is noisy.\n',
};

describe.each([
  ['PostgreSQL', createTestPgDb],
  ['PGlite', createTestPgliteDb],
])('retrieval recall on %s', (name, open) => {
  let db: Db;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'r1-recall-'));
    for (const [f, t] of Object.entries(DOCS)) await writeFile(path.join(dir, f), t);
    db = await open();
    await migrate(db);
    const s = await ingestPaths({ db, scope: 'm', paths: [dir] });
    expect(s.failed).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const top = async (query: string, o: Parameters<typeof createRetriever>[0] extends infer T ? Omit<T & object, 'db'> : never = {}) =>
    (await createRetriever({ db, ...o }).retrieve({ scopes: ['m'], query, k: 3 }))[0]?.source;

  it.each([
    ['bltouch output 5v', 'probe.md'],
    ['3.3 volts inputs', 'probe.md'],
    ['stealth chop for silent X', 'drivers.md'],
    ['driver reports short to gnd', 'drivers.md'],
    ['code E214 on the pump', 'codes.md'],
    ['bedmesh calibrate', 'mesh.md'],
    ['tuning tower', 'mesh.md'],
    ['ttyUSB0 fan', 'mesh.md'],
    ['fan on 24 volts', 'mesh.md'],
  ])('technical tokens are matched the way they are typed: %j', async (q, doc) => {
    expect(await top(q, { minBestMatch: 0 })).toBe(doc);
  });

  it('a site thesaurus expands questions only, and only with groups the question uses', async () => {
    expect(await top('why can I not jog the printer?')).not.toBe('homing.md');
    expect(await top('why can I not jog the printer?', { synonyms: [['jog', 'manual move']] })).toBe('homing.md');
    expect(await top('when should I grease the bearings?', { synonyms: [['jog', 'manual move']] })).toBe('pumps.md');
  });

  it('matches word forms of a question word (heat → heater), and other words it begins (press → pressure) only at a lower weight', async () => {
    const hits = async (q: string, o: { prefixWeight?: number; minMatch?: number } = {}) => {
      const { rows } = await db.query<{ id: string }>(`SELECT id FROM kb_scopes WHERE name = 'm'`);
      const found = await lexicalSearch(db, [String(rows[0]!.id)], q, { limit: 10, minMatch: 0.2, ...o });
      const { rows: c } = await db.query<{ id: string; h: string }>('SELECT id, heading_text AS h FROM kb_chunks WHERE id = ANY($1::bigint[])', [found.map((f) => f.id)]);
      return found.map((f) => ({ ...f, section: c.find((x) => String(x.id) === f.id)!.h.split(' > ').at(-1) }));
    };
    const heat = await hits('heat');
    expect(heat.map((h) => h.section)).toEqual(['Cartridge checks']);
    expect(heat[0]!.matched).toBe(1);
    // `pressur` is another word: it neither finds a chunk nor counts as a match of `press` …
    expect((await hits('press')).map((h) => h.section)).toEqual(['Reset']);
    // A question with no word of its own in the scope finds nothing, even with minMatch 0.
    expect(await hits('nozz', { minMatch: 0 })).toEqual([]);
    // … but ranks: with `nozzle` the section that also says "pressure" comes first, unless prefixWeight is 0.
    const both = await hits('press nozzle');
    expect(both[0]!.section).toBe('Nozzle pressure');
    expect(both.find((h) => h.section === 'Nozzle pressure')!.matched).toBeLessThan(1);
    const plain = await hits('press nozzle', { prefixWeight: 0 });
    expect(plain.find((h) => h.section === 'Nozzle pressure')!.score).toBeLessThan(both.find((h) => h.section === 'Nozzle pressure')!.score);
  });

  it('pseudo-relevance feedback runs a second pass and keeps the question-term floor', async () => {
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM kb_scopes WHERE name = 'm'`);
    const ids = [String(rows[0]!.id)];
    const plain = await lexicalSearch(db, ids, 'pump coupling', { limit: 10, minMatch: 0.2 });
    const fb = await lexicalSearch(db, ids, 'pump coupling', { limit: 10, minMatch: 0.2, feedback: { chunks: 2, terms: 5, weight: 0.3 } });
    expect(fb[0]!.documentId).toBe(plain[0]!.documentId);
    expect(fb.every((h) => h.matched >= 0.2)).toBe(true);
    expect(await lexicalSearch(db, ids, 'sourdough starter', { limit: 10, minMatch: 0.2, feedback: { chunks: 2, terms: 5, weight: 0.3 } })).toEqual([]);
  });

  it('gives other documents a place after maxPerDoc chunks of one document', async () => {
    const r = createRetriever({ db, maxPerDoc: 1, minMatch: 0.01, minBestMatch: 0 });
    const res = await r.retrieve({ scopes: ['m'], query: 'pump seals coupling impeller bearings fan', k: 3 });
    expect(new Set(res.map((c) => c.source)).size).toBe(res.length);
  });

  it('says nothing found when the best hit matches too little of the question', async () => {
    const q = 'how do I renew my passport at the embassy before the pump trip?';
    expect((await createRetriever({ db, minMatch: 0, minBestMatch: 0 }).retrieve({ scopes: ['m'], query: q, k: 3 })).length).toBeGreaterThan(0);
    expect(await createRetriever({ db, minMatch: 0, minBestMatch: 0.5 }).retrieve({ scopes: ['m'], query: q, k: 3 })).toEqual([]);
  });

  it('a follow-up in a thread searches the thread topic: first question and cited sources, at a lower weight', async () => {
    const key = { platform: 'slack' as const, tenant: 'T1', channel: 'C1', thread: `t-${name}` };
    await attachScope(db, key, 'm', 'test');
    const first = await startMessage(db, { jobId: `j1-${name}`, key, userId: 'U1', kind: 'chat', question: 'the pump seals leak' });
    await recordMessageKnowledge(db, first.id, 'cited', [{ n: 1, title: 'Pumps', source: 'pumps.md', section: 'Seals' }]);
    await startMessage(db, { jobId: `j2-${name}`, key, userId: 'U1', kind: 'chat', question: 'how often?' });
    const seen: RetrieveRequest[] = [];
    const retriever = { retrieve: async (req: RetrieveRequest) => (seen.push(req), []) };
    const deps = { db, retriever, k: 3, maxChars: 2000, webConfigured: false, webAlpha: 0.6 };
    await knowledgeForQuestion(deps, key, 'how often?', [{ role: 'user', text: 'the pump seals leak' }, { role: 'assistant', text: 'Replace them [1]' }]);
    expect(seen[0]!.query).toBe('the pump seals leak\nhow often?');
    expect(seen[0]!.context).toEqual({ text: 'the pump seals leak\nPumps Seals', weight: 0.5 });
    await knowledgeForQuestion(deps, key, 'and what about the impeller balance on this one?', []);
    expect(seen[1]!.context).toEqual({ text: 'the pump seals leak\nPumps Seals', weight: 0.2 });
    // The context ranks but never decides alone that something was found.
    const r = createRetriever({ db });
    expect(await r.retrieve({ scopes: ['m'], query: 'passport renewal office hours', k: 3, context: { text: 'pump seals', weight: 0.5 } })).toEqual([]);
    const withTopic = await r.retrieve({ scopes: ['m'], query: 'how often should they be replaced?', k: 3, context: { text: 'Pumps Seals', weight: 0.5 } });
    expect(withTopic[0]?.headingPath.at(-1)).toBe('Seals');
  });

  // The migration is the same SQL on both; one backend keeps the test file's time down.
  it.runIf(name === 'PostgreSQL')('migration 0013 re-indexes chunks written before it (tech tokens and BM25 statistics)', async () => {
    const old = await mkdtemp(path.join(tmpdir(), 'r1-mig-'));
    const db2 = await open();
    try {
      for (const f of await readdir(MIGRATIONS_DIR)) if (f < '0013') await cp(path.join(MIGRATIONS_DIR, f), path.join(old, f));
      await migrate(db2, old);
      const scope = await ensureScope(db2, 'old');
      const { rows } = await db2.query<{ id: string }>(`INSERT INTO kb_documents (scope_id, source, title, format, content_sha256) VALUES ($1, 'a.md', 'A', 'markdown', 'x') RETURNING id`, [scope]);
      await db2.query(`INSERT INTO kb_chunks (document_id, scope_id, ord, text) VALUES ($1, $2, 0, 'Check the BL-Touch wiring')`, [rows[0]!.id, scope]);
      await refreshScopeStats(db2, scope);
      await migrate(db2);
      const terms = await db2.query(`SELECT 1 FROM kb_terms WHERE scope_id = $1 AND lexeme = 'bltouch'`, [scope]);
      expect(terms.rows).toHaveLength(1);
      expect((await createRetriever({ db: db2 }).retrieve({ scopes: ['old'], query: 'bltouch', k: 1 }))[0]?.source).toBe('a.md');
    } finally {
      await db2.close();
      await rm(old, { recursive: true, force: true });
    }
  });
});

describe('diversify', () => {
  const c = (id: string, documentId: string, score: number) => ({ id, documentId, score });
  it('keeps at most maxPerDoc chunks of a document ahead of other documents, the rest after, in order', () => {
    const out = diversify([c('a1', 'A', 10), c('a2', 'A', 9), c('a3', 'A', 8), c('b1', 'B', 5), c('c1', 'C', 4)], { maxPerDoc: 2, docWeight: 0 });
    expect(out.map((x) => x.id)).toEqual(['a1', 'a2', 'b1', 'c1', 'a3']);
  });
  it('document-level fusion lifts the best chunk of a document with several matches', () => {
    const out = diversify([c('x', 'X', 10), c('y1', 'Y', 9), c('y2', 'Y', 9), c('y3', 'Y', 9)], { maxPerDoc: 10, docWeight: 0.5 });
    expect(out[0]!.id).toBe('y1');
    expect(diversify([], { maxPerDoc: 1, docWeight: 0.5 })).toEqual([]);
  });
});

describe('site thesaurus', () => {
  it('parses groups, ignoring comments, blanks and single members', () => {
    expect(parseSynonyms('# plant words\njog, move,  Manual Move \n\nalone\nE-stop, emergency stop # red button\n')).toEqual([
      ['jog', 'move', 'manual move'], ['e-stop', 'emergency stop'],
    ]);
  });
  it('expands with the other members of groups the question uses (light stemming, phrases as consecutive words)', () => {
    const g = parseSynonyms('jog, move, manual move\nhot end, hotend\nvfd, drive');
    expect(synonymExpansions('Jogging the axes fails', g)).toEqual(['move', 'manual move']);
    expect(synonymExpansions('the hot end is cold', g)).toEqual(['hotend']);
    expect(synonymExpansions('the end is hot', g)).toEqual([]);
    expect(roughStem('heaters')).toBe('heater');
  });
});
