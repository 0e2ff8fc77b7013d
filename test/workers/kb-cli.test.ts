import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb } from '../../src/index.js';
import { PLANT_A_DIR } from '../support/rag-fixtures.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs an npm script's entry point the way `npm run` does, against an embedded database in `dataDir`. */
async function cli(script: 'ingest' | 'kb', args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, `workers/${script}.ts`), ...args], {
      cwd: ROOT, env: { PATH: process.env.PATH, ENV_FILE: '/dev/null', DATA_DIR: dataDir, LOG_LEVEL: 'error' }, timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('npm run ingest / npm run kb', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'r1-cli-'));
    await cp(PLANT_A_DIR, path.join(dir, 'docs'), { recursive: true });
    await writeFile(path.join(dir, 'docs', 'broken.pdf'), 'not a pdf at all');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  // Each run starts tsx and an embedded PostgreSQL from disk (a few seconds each on 2 cores).
  it('ingests a folder with a summary, reports the corrupt file, then skips unchanged documents', { timeout: 240_000 }, async () => {
    const data = path.join(dir, 'data');
    const first = await cli('ingest', ['--scope', 'plant-a', path.join(dir, 'docs')], data);
    expect(first.code).toBe(1); // a file failed: reported, the rest ingested
    expect(first.stdout).toMatch(/scope plant-a: 4 files: 3 added, 0 replaced, 0 unchanged, 1 failed/);
    expect(first.stdout).toMatch(/failed: broken\.pdf: unreadable PDF/);

    await rm(path.join(dir, 'docs', 'broken.pdf'));
    const second = await cli('ingest', ['--scope', 'plant-a', path.join(dir, 'docs')], data);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/3 files: 0 added, 0 replaced, 3 unchanged, 0 failed/);

    const attach = await cli('kb', ['attach', '--scope', 'plant-a', '--platform', 'slack', '--team', 'T1', '--channel', 'C42'], data);
    expect(attach).toMatchObject({ code: 0, stdout: 'attached plant-a to slack T1 C42\n' });
    const list = await cli('kb', ['list'], data);
    expect(list.stdout).toMatch(/^slack T1 C42\tplant-a\t\(by cli:/);
    const bad = await cli('kb', ['attach', '--scope', 'plant-a', '--platform', 'irc', '--team', 'T1', '--channel', 'C1'], data);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--platform must be one of slack, teams, console/);
    const unknown = await cli('kb', ['attach', '--scope', 'nope', '--platform', 'slack', '--team', 'T1', '--channel', 'C1'], data);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no scope named nope/);

    // A LoRA adapter for the channel (LORA_ADAPTERS is unset in these runs: the CLI says so), and back.
    const adapter = await cli('kb', ['adapter', '--name', 'pumps', '--platform', 'slack', '--team', 'T1', '--channel', 'C42'], data);
    expect(adapter).toMatchObject({ code: 0, stdout: expect.stringMatching(/^slack T1 C42 now answers with adapter pumps\nnote: pumps is not in LORA_ADAPTERS here/) });
    const detach = await cli('kb', ['adapter', '--detach', '--platform', 'slack', '--team', 'T1', '--channel', 'C42'], data);
    expect(detach).toMatchObject({ code: 0, stdout: 'detached adapter pumps from slack T1 C42: answers there use the base model\n' });

    const db = await createPgliteDb({ dataDir: path.join(data, 'pglite') });
    try {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM kb_documents');
      expect(Number(rows[0]!.n)).toBe(3);
      // Each administrative run is in the audit trail, with who and from where.
      const audit = await db.query<{ action: string; actor: string; origin: string }>('SELECT action, actor, origin FROM audit_log ORDER BY id');
      expect(audit.rows.map((r) => r.action)).toEqual(['kb.ingest', 'kb.ingest', 'kb.attach', 'kb.adapter', 'kb.adapter_detach']);
      expect(audit.rows.every((r) => r.actor.startsWith('cli:') && r.origin.startsWith('cli@'))).toBe(true);
    } finally {
      await db.close();
    }
  });
});
