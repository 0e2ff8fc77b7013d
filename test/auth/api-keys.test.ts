import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, InputError, createApiKey, createBearerAuthenticator, createPgDb, listApiKeys, migrate, revokeApiKey, verifyApiKey, type Db } from '../../src/index.js';
import { createThrowawayDatabase } from '../support/test-database.js';
import { createTestPgDb, createTestPgliteDb } from '../support/test-db.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

describe.each([
  ['PostgreSQL', createTestPgDb],
  ['PGlite', createTestPgliteDb],
])('API keys on %s', (_kind, open) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
    await migrate(db);
  });
  afterAll(async () => db.close());

  it('a created key authenticates as its name; only a salted hash is stored, never the key', async () => {
    const { key } = await createApiKey(db, 'ticketing', 'test');
    expect(key).toMatch(/^r1_[A-Za-z0-9_-]{43}$/);
    const auth = createBearerAuthenticator({ apiKeysDb: db, requiredScope: 'r1.chat' });
    await expect(auth.authenticate(`Bearer ${key}`)).resolves.toEqual({ client: 'ticketing', via: 'api_key', scopes: ['r1.chat'] });

    const rows = (await db.query<Record<string, unknown>>('SELECT * FROM api_keys')).rows;
    const dump = JSON.stringify(rows);
    const secretPart = key.slice('r1_'.length + 12); // everything after the stored lookup id
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(secretPart);
    expect(dump).not.toContain(key.slice(3));
    const row = rows.find((r) => r.name === 'ticketing')!;
    expect(row.key_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);

    // Per-key salt: the same name pattern twice gives unrelated hashes.
    await createApiKey(db, 'ticketing-2');
    const hashes = (await db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys')).rows.map((r) => r.key_hash.split('$')[4]);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('refuses a near miss of a real key (same lookup id, other secret) and a malformed one', async () => {
    const { key } = await createApiKey(db, 'near-miss');
    const flipped = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(await verifyApiKey(db, flipped)).toBeUndefined();
    expect(await verifyApiKey(db, `${key}x`)).toBeUndefined();
    expect(await verifyApiKey(db, key)).toBe('near-miss');
  });

  it('revoke → 401 from the next request on; list shows created, last used and revoked', async () => {
    const { key } = await createApiKey(db, 'librechat');
    const auth = createBearerAuthenticator({ apiKeysDb: db, requiredScope: 'r1.chat' });
    await auth.authenticate(`Bearer ${key}`);
    let info = (await listApiKeys(db)).find((k) => k.name === 'librechat')!;
    expect(info.lastUsedAt).toBeInstanceOf(Date);
    expect(info.revokedAt).toBeNull();
    expect(await revokeApiKey(db, 'librechat')).toBe(true);
    expect(await revokeApiKey(db, 'librechat')).toBe(false);
    const e = await auth.authenticate(`Bearer ${key}`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthError);
    expect((e as AuthError).status).toBe(401);
    info = (await listApiKeys(db)).find((k) => k.name === 'librechat')!;
    expect(info.revokedAt).toBeInstanceOf(Date);
  });

  it('names are unique (even after revoke) and validated', async () => {
    await createApiKey(db, 'dup');
    await expect(createApiKey(db, 'dup')).rejects.toThrow(InputError);
    await expect(createApiKey(db, 'has space')).rejects.toThrow(InputError);
    await expect(createApiKey(db, '')).rejects.toThrow(InputError);
  });
});

describe('npm run api-keys', () => {
  let dbUrl: { url: string; drop: () => Promise<void> };
  beforeAll(async () => (dbUrl = await createThrowawayDatabase()));
  afterAll(async () => dbUrl.drop());

  const cli = async (...args: string[]) => {
    try {
      const r = await run(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'workers/api-keys.ts'), ...args], {
        cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: dbUrl.url, LOG_LEVEL: 'error' }, timeout: 60_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };

  it('create prints the key once; list shows it; revoke refuses it; errors are one line with a non-zero exit', { timeout: 120_000 }, async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/create --name/);

    const created = await cli('create', '--name', 'open-webui');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^r1_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/shown only this once/);

    const db = await createPgDb({ connectionString: dbUrl.url, max: 1 });
    try {
      expect(await verifyApiKey(db, key)).toBe('open-webui');
      const list = await cli('list');
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/^open-webui\t\d{4}-\d\d-\d\dT[^\t]+\t\d{4}-[^\t]+\t-$/m); // used once above, not revoked
      expect(list.stdout).not.toContain(key);

      const again = await cli('create', '--name', 'open-webui');
      expect(again.code).toBe(1);
      expect(again.stderr.trim().split('\n')).toHaveLength(1);
      expect(again.stderr).toMatch(/already exists/);

      expect(await cli('revoke', 'open-webui')).toMatchObject({ code: 0, stdout: 'revoked API key open-webui\n' });
      expect(await verifyApiKey(db, key)).toBeUndefined();
      const missing = await cli('revoke', 'nobody');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('api-keys: no active API key named nobody\n');
      const bad = await cli('frobnicate');
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await db.close();
    }
  });
});
