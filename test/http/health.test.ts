import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../workers/service.js';
import { startTestService } from '../support/start-test-service.js';
import { hasTestModel } from '../support/shared-assets.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgliteDb } from '../support/test-db.js';
import { closeTestEngines } from '../support/test-engine.js';

describe('health, readiness and metrics endpoints', () => {
  const started: Array<{ svc: Service; close: () => Promise<void> }> = [];
  afterAll(async () => {
    for (const s of started) await s.close();
    await closeTestEngines();
  });
  const start = async (overrides: Parameters<typeof testConfig>[0]) => {
    const db = await createTestPgliteDb();
    const svc = await startTestService(testConfig(overrides), db);
    started.push({ svc, close: async () => { await svc.close(); await db.close(); } });
    return svc;
  };

  it.skipIf(!hasTestModel)('a worker is ready once Redis, the database and the model answer', async () => {
    const svc = await start({ ROLE: 'worker' });
    const r = await fetch(`${svc.baseUrl}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, checks: { redis: 'ok', database: 'ok', model: 'ok' } });
    const m = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    expect(m).toMatch(/^r1_sequences_configured 4$/m);
    expect(m).toMatch(/^# TYPE r1_generation_seconds histogram$/m);
  });

  it('is alive but not ready while Redis is unreachable', async () => {
    const svc = await start({ ROLE: 'adapters', REDIS_URL: 'redis://127.0.0.1:1' });
    expect((await fetch(`${svc.baseUrl}/healthz`)).status).toBe(200);
    const r = await fetch(`${svc.baseUrl}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ ok: false, checks: { redis: 'connect ECONNREFUSED 127.0.0.1:1', database: 'ok' } });
  });
});
