import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachScope, auditExportLineSchema, detachScope, documentsWithVersions, exportAudit, getProvenance, ingestPaths, iterateAudit, listAudit, migrate,
  promptSha256, recordAudit, recordProvenance, startMessage, type Db,
} from '../../src/index.js';
import { PLANT_A_DIR } from '../support/rag-fixtures.js';
import { createTestPgDb, createTestPgliteDb } from '../support/test-db.js';

// The same cases on PostgreSQL and PGlite: one database of each for the whole file.
describe.each([
  ['PostgreSQL', createTestPgDb],
  ['PGlite', createTestPgliteDb],
] as const)('audit trail on %s', (_name, create) => {
  let db: Db;
  beforeAll(async () => {
    db = await create();
    await migrate(db);
  });
  afterAll(async () => db?.close());

  it('appends rows and lists them by time, action area, actor and target, paging by id', async () => {
    const t0 = new Date(Date.now() - 1000);
    const a = await recordAudit(db, { actor: 'cli:alice', action: 'policy.channel_allow', target: 'slack/T1/C1', origin: 'cli@host', details: { note: 'x' } });
    await recordAudit(db, { actor: 'slack:U1', action: 'kb.attach', target: 'slack/T1/C2', origin: 'slack:T1', details: { scope: 'pumps' } });
    await recordAudit(db, { actor: 'system', action: 'retention.run', origin: 'service@host', details: { messages: 3 } });
    expect(a).toMatchObject({ actor: 'cli:alice', action: 'policy.channel_allow', target: 'slack/T1/C1', details: { note: 'x' }, origin: 'cli@host' });
    expect((await listAudit(db, { action: 'kb.' })).map((r) => r.action)).toEqual(['kb.attach']);
    expect((await listAudit(db, { actor: 'system' })).map((r) => r.action)).toEqual(['retention.run']);
    expect((await listAudit(db, { target: 'T1/C1' })).map((r) => r.actor)).toEqual(['cli:alice']);
    expect((await listAudit(db, { since: t0, order: 'desc', limit: 2 })).map((r) => r.action)).toEqual(['retention.run', 'kb.attach']);
    const first = await listAudit(db, { limit: 1 });
    expect((await listAudit(db, { afterId: first[0]!.id, limit: 1 }))[0]!.id).not.toBe(first[0]!.id);
    expect((await listAudit(db, { since: new Date(Date.now() + 60_000) }))).toEqual([]);
    await expect(recordAudit(db, { actor: 'x', action: 'Not An Action', origin: 'y' })).rejects.toThrow(/area\.verb/);
  });

  it('is append-only in the database: UPDATE, DELETE and TRUNCATE are refused', async () => {
    await recordAudit(db, { actor: 'cli:bob', action: 'api_key.create', target: 'api_key:ci', origin: 'cli@host' });
    await expect(db.query("UPDATE audit_log SET actor = 'someone else'")).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect((await listAudit(db, { actor: 'cli:bob' })).length).toBe(1);
  });

  it('records knowledge changes (CLI and chat) in the trail together with the change', async () => {
    await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR] });
    const ch = { platform: 'slack' as const, tenant: 'T9', channel: 'C9' };
    await attachScope(db, ch, 'plant-a', 'cli:carol');
    await detachScope(db, ch, 'plant-a', 'slack:U7');
    const rows = await listAudit(db, { target: 'slack/T9/C9' });
    expect(rows.map((r) => [r.action, r.actor, r.details.scope, r.origin.startsWith('cli@') ? 'cli' : r.origin])).toEqual([
      ['kb.attach', 'cli:carol', 'plant-a', 'cli'],
      ['kb.detach', 'slack:U7', 'plant-a', 'slack:T9'],
    ]);
  });

  it('exports JSON Lines that validate against the export schema, oldest first, from a date', async () => {
    const lines: string[] = [];
    const n = await exportAudit(db, { since: new Date(Date.now() - 3_600_000) }, (l) => void lines.push(l));
    expect(n).toBe(lines.length);
    expect(n).toBeGreaterThanOrEqual(6);
    const parsed = lines.map((l) => auditExportLineSchema.parse(JSON.parse(l)));
    expect(parsed.map((p) => Number(p.id))).toEqual([...parsed.map((p) => Number(p.id))].sort((x, y) => x - y));
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    // The iterator pages through everything whatever the page size.
    const all: string[] = [];
    for await (const r of iterateAudit(db, {}, 2)) all.push(r.id);
    expect(all.length).toBe(n);
  });

  it('keeps what produced an answer: prompt version, model, engine, adapter, documents with versions', async () => {
    const row = await startMessage(db, { jobId: `prov-${_name}`, key: { platform: 'console', tenant: 'local', channel: 'console', thread: 't1' }, userId: 'u', kind: 'chat', question: 'q' });
    const { rows } = await db.query<{ id: string; source: string }>("SELECT d.id::text AS id, d.source FROM kb_documents d JOIN kb_scopes s ON s.id = d.scope_id WHERE s.name = 'plant-a' ORDER BY d.id LIMIT 1");
    const docs = await documentsWithVersions(db, [
      { n: 1, source: rows[0]!.source, documentId: rows[0]!.id, scope: 'plant-a' },
      { n: 2, source: 'https://example.org/x', web: true },
    ]);
    expect(docs).toEqual([
      { n: 1, source: rows[0]!.source, documentId: rows[0]!.id, scope: 'plant-a', version: 1, contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      { n: 2, source: 'https://example.org/x', web: true },
    ]);
    await recordProvenance(db, row.id, { promptSha256: promptSha256('system'), modelName: 'm.gguf', modelSha256: 'abc', engine: 'node-llama-cpp@3', adapter: null, documents: docs });
    expect(await getProvenance(db, row.id)).toMatchObject({ promptSha256: promptSha256('system'), modelName: 'm.gguf', engine: 'node-llama-cpp@3', adapter: null, documents: docs });
  });
});
