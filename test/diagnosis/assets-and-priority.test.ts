import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, enqueueInference, getAsset, getFaultCode, importAssetsFile, migrate, parseDiagnoseCommand, QUEUE_INFERENCE, type Db } from '../../src/index.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';
import { createTestPgliteDb } from '../support/test-db.js';

const dir = mkdtempSync(path.join(tmpdir(), 'r1-assets-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('npm run assets -- import', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestPgliteDb();
    await migrate(db);
  });
  afterAll(async () => db?.close());

  it('reports invalid rows by line and writes nothing', async () => {
    const r = await importAssetsFile(db, file('bad.csv', 'id,name,model,location,scope,oncall\nP-1,Pump,M1,Hall,,\n,Nameless,M1,Hall,,\nP-3,,M1,Hall,,\n'));
    expect(r.imported).toBe(0);
    expect(r.errors).toEqual(['line 3: id: id is empty', 'line 4: name: name is empty']);
    expect(await getAsset(db, 'P-1')).toBeNull();
  });

  it('detects fault-code files by their header, validates severity, and re-import updates in place', async () => {
    const bad = await importAssetsFile(db, file('codes-bad.csv', 'model,code,meaning,severity\nM1,E-1,Overheat,extreme\n'));
    expect(bad).toMatchObject({ kind: 'fault_codes', imported: 0 });
    expect(bad.errors[0]).toMatch(/^line 2: severity:/);
    expect(await importAssetsFile(db, file('codes.csv', 'model,code,meaning,severity\nM1,e-1,Overheat,HIGH\n'))).toEqual({ kind: 'fault_codes', imported: 1, errors: [] });
    expect(await getFaultCode(db, 'M1', 'E-1')).toEqual({ model: 'M1', code: 'E-1', meaning: 'Overheat', severity: 'high' });
    await importAssetsFile(db, file('codes2.csv', 'model,code,meaning,severity\nM1,E-1,Overheat of motor winding,critical\n'));
    expect((await getFaultCode(db, 'M1', 'E-1'))?.meaning).toBe('Overheat of motor winding');
  });

  it('imports YAML assets', async () => {
    const r = await importAssetsFile(db, file('assets.yaml', 'assets:\n  - { id: c-7, name: Chiller, model: YK, location: Roof, scope: hvac, oncall: "@hvac" }\n'));
    expect(r).toEqual({ kind: 'assets', imported: 1, errors: [] });
    expect(await getAsset(db, 'C-7')).toEqual({ id: 'C-7', name: 'Chiller', model: 'YK', location: 'Roof', scope: 'hvac', oncall: '@hvac' });
  });
});

describe('parseDiagnoseCommand', () => {
  it.each([
    ['P-101 E-214 high vibration', { kind: 'diagnose', assetId: 'P-101', rest: 'E-214 high vibration' }],
    ['history p-101', { kind: 'history', assetId: 'P-101' }],
    ['history', { kind: 'error' }],
  ])('%s', (text, expected) => expect(parseDiagnoseCommand(text, 100)).toMatchObject(expected));
});

describe('priority (real BullMQ)', () => {
  const redis = createRedis(TEST_REDIS_URL);
  const prefix = uniqueId('r1prio');
  let queue: Queue;
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });

  it('with chat jobs queued, a diagnosis starts before them', async () => {
    queue = new Queue(QUEUE_INFERENCE, { connection: redis, prefix });
    const key = { platform: 'slack' as const, tenant: 'T1', channel: 'C1', thread: 't' };
    const base = { v: 1 as const, key, user: { id: 'U1' }, reply: {} };
    for (let i = 0; i < 5; i++) await enqueueInference(queue, { ...base, kind: 'chat', text: `chat ${i}`, source: { eventId: `c${i}`, receivedAt: Date.now() } });
    await enqueueInference(queue, { ...base, kind: 'diagnose', text: 'diagnose P-101', source: { eventId: 'd1', receivedAt: Date.now() }, diagnosis: { diagnosisId: '1' } });
    const order: string[] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const worker = new Worker(QUEUE_INFERENCE, async (job) => {
      order.push(job.data.text);
      if (order.length === 6) resolve();
    }, { connection: createRedis(TEST_REDIS_URL), prefix, concurrency: 1 });
    await done;
    await worker.close();
    expect(order[0]).toBe('diagnose P-101');
    expect(order.slice(1)).toEqual(['chat 0', 'chat 1', 'chat 2', 'chat 3', 'chat 4']);
  });
});
