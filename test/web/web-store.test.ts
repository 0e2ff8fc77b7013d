import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachScope, channelKnowledge, chatGroupFor, createWebChat, createWebSession, deleteWebSession, ensureScope, findWebSession, getWebChat, groupsFromClaims,
  isWebAdmin, listWebChats, loadConfig, migrate, pruneWebSessions, webMode, webTenant, type Db,
} from '../../src/index.js';
import { createTestPgliteDb } from '../support/test-db.js';

describe('web sessions, conversations and identity', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestPgliteDb();
    await migrate(db);
  });
  afterAll(async () => db?.close());

  it('a session is found by its id only while it has not expired on the server; logout deletes it', async () => {
    const { id, session } = await createWebSession(db, { userId: 'web:alice', userName: 'Alice', tenant: 'https://idp', groups: ['a', 'b'], isAdmin: true }, 3600);
    expect(session.csrfToken.length).toBeGreaterThanOrEqual(32);
    await expect(findWebSession(db, id)).resolves.toMatchObject({ userId: 'web:alice', groups: ['a', 'b'], isAdmin: true, csrfToken: session.csrfToken });
    await expect(findWebSession(db, `${id}x`)).resolves.toBeNull();
    // Only the hash is stored.
    const { rows } = await db.query<{ id_hash: string }>('SELECT id_hash FROM web_sessions');
    expect(rows.map((r) => r.id_hash)).not.toContain(id);
    await deleteWebSession(db, id);
    await expect(findWebSession(db, id)).resolves.toBeNull();
    const old = await createWebSession(db, { userId: 'web:bob', userName: null, tenant: 't', groups: [], isAdmin: false }, 1);
    await db.query(`UPDATE web_sessions SET expires_at = now() - interval '1 second'`);
    await expect(findWebSession(db, old.id)).resolves.toBeNull();
    await expect(pruneWebSessions(db)).resolves.toBe(1);
  });

  it('conversations are per user', async () => {
    await createWebChat(db, { id: 'c1', userId: 'web:alice', tenant: 't', group: 'a', title: 'first' });
    await createWebChat(db, { id: 'c2', userId: 'web:bob', tenant: 't', group: '*', title: 'second' });
    expect((await listWebChats(db, 'web:alice')).map((c) => c.id)).toEqual(['c1']);
    await expect(getWebChat(db, 'web:bob', 'c1')).resolves.toBeNull();
  });

  it('groups come from `groups`/`roles`; admins from ADMIN_USERS web:<sub> or OIDC_ADMIN_GROUP; a chat gets only a group of its user', () => {
    expect(groupsFromClaims({ groups: ['b', 'a'], roles: 'ops' })).toEqual(['a', 'b', 'ops']);
    const cfg = loadConfig({}, { ADMIN_USERS: 'web:alice', OIDC_ADMIN_GROUP: 'r1-admins' });
    expect(isWebAdmin(cfg, 'alice', [])).toBe(true);
    expect(isWebAdmin(cfg, 'bob', ['r1-admins'])).toBe(true);
    expect(isWebAdmin(cfg, 'bob', ['ops'])).toBe(false);
    expect(chatGroupFor(['a', 'b'], 'b')).toBe('b');
    expect(chatGroupFor(['a', 'b'], 'c')).toBe('a');
    expect(chatGroupFor([], 'c')).toBe('*');
    expect(webMode(loadConfig({}, {}))).toBe('off');
    expect(webMode(loadConfig({}, { WEB_LOCAL: 'true' }))).toBe('local');
    expect(webTenant(loadConfig({}, { WEB_LOCAL: 'true' }))).toBe('local');
    const oidc = loadConfig({}, { OIDC_ISSUER: 'https://idp.example.com', OIDC_AUDIENCE: 'x', OIDC_CLIENT_ID: 'web', PUBLIC_URL: 'https://r1.example.com' });
    expect([webMode(oidc), webTenant(oidc)]).toEqual(['oidc', 'https://idp.example.com']);
    expect(() => loadConfig({}, { OIDC_CLIENT_ID: 'web' })).toThrow(/OIDC_ISSUER/);
  });

  it('a web group sees its own scopes and those bound to `*`, nothing of other groups', async () => {
    for (const s of ['mine', 'everyone', 'theirs']) await ensureScope(db, s);
    await attachScope(db, { platform: 'web', tenant: 'T', channel: 'maint' }, 'mine', 'test');
    await attachScope(db, { platform: 'web', tenant: 'T', channel: '*' }, 'everyone', 'test');
    await attachScope(db, { platform: 'web', tenant: 'T', channel: 'ops' }, 'theirs', 'test');
    expect((await channelKnowledge(db, { platform: 'web', tenant: 'T', channel: 'maint' })).scopes).toEqual(['everyone', 'mine']);
    expect((await channelKnowledge(db, { platform: 'web', tenant: 'T', channel: '*' })).scopes).toEqual(['everyone']);
    // `*` is a web notion only.
    await attachScope(db, { platform: 'slack', tenant: 'T', channel: '*' }, 'theirs', 'test');
    expect((await channelKnowledge(db, { platform: 'slack', tenant: 'T', channel: 'C1' })).scopes).toEqual([]);
  });
});
