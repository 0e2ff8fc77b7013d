import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate, type Db } from '../../../src/index.js';
import { createRetriever, ingestPaths, listScopes } from '../../../src/rag/index.js';
import { makePdf } from '../../support/make-pdf.js';
import { PLANT_A_DIR, PLANT_B_DIR } from '../../support/rag-fixtures.js';
import { createTestPgDb } from '../../support/test-db.js';

const chunkRows = (db: Db) =>
  db.query<{ id: string; source: string; version: number; text: string }>(
    'SELECT c.id, d.source, d.version, c.text FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id ORDER BY c.id',
  ).then((r) => r.rows);

describe('ingestion', () => {
  let db: Db;
  let dir: string;
  beforeAll(async () => {
    db = await createTestPgDb();
    await migrate(db);
  });
  afterAll(async () => db?.close());
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'r1-ingest-'));
    await db.exec('DELETE FROM kb_scopes');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('re-ingesting an unchanged folder changes nothing; a changed file replaces its old chunks', async () => {
    await cp(PLANT_A_DIR, dir, { recursive: true });
    const first = await ingestPaths({ db, scope: 'plant-a', paths: [dir] });
    expect(first).toMatchObject({ files: 3, added: 3, replaced: 0, unchanged: 0, failed: [] });
    const before = await chunkRows(db);
    expect(new Set(before.map((r) => r.source))).toEqual(new Set(['pumps/p101-manual.md', 'pumps/startup.txt', 'injected-note.md']));

    const again = await ingestPaths({ db, scope: 'plant-a', paths: [dir] });
    expect(again).toMatchObject({ added: 0, replaced: 0, unchanged: 3, chunks: 0 });
    expect(await chunkRows(db)).toEqual(before);

    await writeFile(path.join(dir, 'pumps/startup.txt'), 'Pump P-101 start-up procedure\n\nNever start against a closed suction valve: the seal overheats in seconds.\n');
    const changed = await ingestPaths({ db, scope: 'plant-a', paths: [dir] });
    expect(changed).toMatchObject({ added: 0, replaced: 1, unchanged: 2 });
    const after = await chunkRows(db);
    const startup = after.filter((r) => r.source === 'pumps/startup.txt');
    expect(startup.every((r) => r.version === 2)).toBe(true);
    expect(startup.map((r) => r.text).join(' ')).toMatch(/seal overheats/);
    expect(after.some((r) => r.text.includes('Prime the casing'))).toBe(false);
    // Other documents' chunks are untouched (same rows).
    expect(after.filter((r) => r.source !== 'pumps/startup.txt')).toEqual(before.filter((r) => r.source !== 'pumps/startup.txt'));
    // And retrieval sees the new text, not the old.
    const r = createRetriever({ db });
    expect((await r.retrieve({ scopes: ['plant-a'], query: 'seal overheats closed suction valve', k: 1 }))[0]!.source).toBe('pumps/startup.txt');
    expect(await r.retrieve({ scopes: ['plant-a'], query: 'prime the casing vent plug', k: 5 })).toSatisfy((cs: Array<{ text: string }>) => cs.every((c) => !c.text.includes('vent plug')));
  });

  it('ingests Markdown, plain text, HTML and PDF; a corrupt file is reported and skipped, nothing else lost', async () => {
    await cp(PLANT_B_DIR, dir, { recursive: true });
    await writeFile(path.join(dir, 'k9-blower.pdf'), makePdf([
      [{ text: 'K-9 Blower Manual', size: 20 }, { text: 'Bearing replacement', size: 14 }, { text: 'Remove the four bolts of the bearing housing.', size: 10 }],
      [{ text: 'Belt tension', size: 14 }, { text: 'Deflect the belt by 12 mm at mid span with a tension gauge.', size: 10 }],
    ], 'K-9 Blower Manual'));
    await writeFile(path.join(dir, 'broken.pdf'), Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%% truncated download'));
    await writeFile(path.join(dir, 'binary.md'), Buffer.from([0x23, 0x20, 0x00, 0xff, 0xfe, 0x00]));
    await writeFile(path.join(dir, 'notes.txt'), 'Line B walkdown notes\n\nThe K-7 drain trap was cleaned.\n');
    await writeFile(path.join(dir, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
    const s = await ingestPaths({ db, scope: 'plant-b', paths: [dir] });
    expect(s).toMatchObject({ added: 4, unsupported: 1 });
    expect(s.failed.map((f) => f.source).sort()).toEqual(['binary.md', 'broken.pdf']);
    expect(s.failed.find((f) => f.source === 'broken.pdf')!.error).toMatch(/PDF/);
    const docs = await db.query<{ source: string; format: string; title: string }>('SELECT source, format, title FROM kb_documents ORDER BY source');
    expect(docs.rows).toEqual([
      { source: 'k7-compressor.md', format: 'markdown', title: 'Screw Compressor K-7 Manual' },
      { source: 'k7-service.html', format: 'html', title: 'K-7 Service Bulletin' },
      { source: 'k9-blower.pdf', format: 'pdf', title: 'K-9 Blower Manual' },
      { source: 'notes.txt', format: 'text', title: 'notes' },
    ]);
    const r = createRetriever({ db });
    const pdfHit = (await r.retrieve({ scopes: ['plant-b'], query: 'how much should the blower belt deflect?', k: 1 }))[0]!;
    expect(pdfHit).toMatchObject({ source: 'k9-blower.pdf', headingPath: ['K-9 Blower Manual', 'Belt tension'] });
    const htmlHit = (await r.retrieve({ scopes: ['plant-b'], query: 'inlet valve cover bolt torque', k: 1 }))[0]!;
    expect(htmlHit).toMatchObject({ source: 'k7-service.html', headingPath: ['K-7 Service Bulletin 2024-03', 'Torque values'] });
    expect(htmlHit.text).toContain('# not a heading');
    expect(htmlHit.text).not.toMatch(/alert|color:red/);
  });

  it('shows sources relative to each folder given, a file given directly by its name, and prunes on request', async () => {
    await cp(PLANT_A_DIR, path.join(dir, 'a'), { recursive: true });
    const s = await ingestPaths({ db, scope: 'mixed', paths: [path.join(dir, 'a', 'pumps'), path.join(PLANT_B_DIR, 'k7-compressor.md'), path.join(dir, 'missing')] });
    expect(s.added).toBe(3);
    expect(s.failed).toEqual([{ source: path.join(dir, 'missing'), error: expect.stringMatching(/ENOENT/) }]);
    const sources = (await db.query<{ source: string }>('SELECT source FROM kb_documents ORDER BY source')).rows.map((r) => r.source);
    expect(sources).toEqual(['k7-compressor.md', 'p101-manual.md', 'startup.txt']);
    const pruned = await ingestPaths({ db, scope: 'mixed', paths: [path.join(dir, 'a', 'pumps')], prune: true });
    expect(pruned).toMatchObject({ unchanged: 2, pruned: 1 });
    expect((await listScopes(db)).find((x) => x.name === 'mixed')).toMatchObject({ documents: 2 });
  });

  it('rejects an invalid scope name before touching anything', async () => {
    await expect(ingestPaths({ db, scope: 'Plant A', paths: [PLANT_A_DIR] })).rejects.toThrow(/invalid scope name/);
    expect(await listScopes(db)).toEqual([]);
  });
});
