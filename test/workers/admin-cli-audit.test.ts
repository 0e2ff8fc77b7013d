import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditExportLineSchema, createPgDb, migrate, type Db } from '../../src/index.js';
import { REPO_ROOT } from '../support/child-service.js';
import { TEST_DATABASE_URL, uniqueId } from '../support/test-config.js';

const run = promisify(execFile);

/** Runs an npm script's entry point as `npm run` does, against PostgreSQL in a fresh schema (PGlite would take ~20 s per start on 2 cores). */
async function cli(script: string, args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, `workers/${script}.ts`), ...args], {
      cwd: REPO_ROOT, env: { PATH: process.env.PATH, ENV_FILE: '/dev/null', DATABASE_URL: databaseUrl, LOG_LEVEL: 'error' }, timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

// Each run starts tsx: a few seconds each on 2 cores.
describe('administrative CLIs leave audit rows; npm run audit -- export writes valid JSON Lines', () => {
  let db: Db;
  let dir: string;
  let url: string;
  const schema = uniqueId('adm').toLowerCase();
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'r1-admin-cli-'));
    db = await createPgDb({ connectionString: TEST_DATABASE_URL, schema, max: 1 });
    await migrate(db);
    url = `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  });
  afterAll(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('api-keys, policy and forget are audited, forget --dry-run changes nothing, and the export validates', { timeout: 180_000 }, async () => {
    await db.query(`INSERT INTO messages (job_id, platform, tenant, channel, thread, user_id, question, answer, status) VALUES ('cli-1', 'slack', 'T1', 'C1', 'x', 'U9', 'q', 'a', 'delivered')`);
    const [key, allow, cmd, dry] = await Promise.all([
      cli('api-keys', ['create', '--name', 'grafana'], url),
      cli('policy', ['allow', '--platform', 'slack', '--team', 'T1', '--channel', 'C1'], url),
      cli('policy', ['command', 'diagnose', '--allow-group', 'S0123ABC'], url),
      cli('forget', ['--platform', 'slack', '--team', 'T1', '--user', 'U9', '--dry-run'], url),
    ]);
    expect(key).toMatchObject({ code: 0, stdout: expect.stringMatching(/^r1_/) });
    expect(allow).toMatchObject({ code: 0, stdout: 'allowed slack T1 C1\n' });
    expect(cmd).toMatchObject({ code: 0, stdout: 'diagnose: slack group S0123ABC allowed\n' });
    expect(dry).toMatchObject({ code: 0, stdout: expect.stringMatching(/^would remove \(dry run, nothing changed\): 1 question\(s\) with their answers/) });
    expect((await db.query("SELECT question FROM messages WHERE job_id = 'cli-1'")).rows).toEqual([{ question: 'q' }]);

    const [revoke, forget] = await Promise.all([
      cli('api-keys', ['revoke', 'grafana'], url),
      cli('forget', ['--platform', 'slack', '--team', 'T1', '--user', 'U9'], url),
    ]);
    expect(revoke.code).toBe(0);
    expect(forget).toMatchObject({ code: 0, stdout: expect.stringMatching(/^removed: 1 question\(s\) with their answers/) });
    expect((await db.query("SELECT question, user_id FROM messages WHERE job_id = 'cli-1'")).rows).toEqual([{ question: null, user_id: 'erased' }]);

    const out = path.join(dir, 'audit.jsonl');
    const exp = await cli('audit', ['export', '--since', '2000-01-01', '--out', out], url);
    expect(exp).toMatchObject({ code: 0, stderr: `5 audit row(s) exported to ${out}\n` });
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => auditExportLineSchema.parse(JSON.parse(l)));
    expect(lines.map((l) => l.action).sort()).toEqual(['api_key.create', 'api_key.revoke', 'erasure.run', 'policy.channel_allow', 'policy.command_allow_group']);
    expect(lines.every((l) => l.actor.startsWith('cli:') && l.origin.startsWith('cli@'))).toBe(true);
    // The export itself is audited (after it was written).
    expect((await db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'audit.export'")).rows).toEqual([{ n: 1 }]);
    const bad = await cli('audit', ['export', '--out', out], url);
    expect(bad).toMatchObject({ code: 2, stderr: 'audit: export needs --since <date> (see --help)\n' });
  });
});
