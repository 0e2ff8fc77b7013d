import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterForChannel, migrate, type Db } from '../../src/index.js';
import { addKbAdmin, channelKnowledge, handleKbCommand, ingestPaths, KB_REFUSAL } from '../../src/rag/index.js';
import { PLANT_A_DIR } from '../support/rag-fixtures.js';
import { createTestPgliteDb } from '../support/test-db.js';

// The platform-neutral command, as the Teams adapter will call it (`@R1 kb attach …`).
describe('handleKbCommand', () => {
  let db: Db;
  const key = { platform: 'teams' as const, tenant: 'tenant-1', channel: '19:general@thread.tacv2' };
  beforeAll(async () => {
    db = await createTestPgliteDb();
    await migrate(db);
    await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR] });
  });
  afterAll(async () => db?.close());
  const deps = (webSearchConfigured = true) => ({ db, adminUsers: ['teams:29:admin-aad', 'slack:U1'], webSearchConfigured });

  it('refuses a user who is an admin on another platform only', async () => {
    expect(await handleKbCommand(deps(), { key, userId: 'U1', args: 'attach plant-a' })).toEqual({ text: KB_REFUSAL, ephemeral: true });
  });

  it('accepts ADMIN_USERS entries whose user id contains a colon, and kb_admins rows', async () => {
    expect((await handleKbCommand(deps(), { key, userId: '29:admin-aad', args: 'attach plant-a' })).ephemeral).toBe(false);
    expect((await handleKbCommand(deps(), { key, userId: 'aad-2', args: 'detach plant-a' })).text).toBe(KB_REFUSAL);
    await addKbAdmin(db, 'teams', 'aad-2', 'test');
    expect((await handleKbCommand(deps(), { key, userId: 'aad-2', args: 'detach plant-a' })).text).toMatch(/no longer attached/);
  });

  it('turns web search on with a weight and off, validating the weight', async () => {
    const admin = { key, userId: '29:admin-aad' };
    expect((await handleKbCommand(deps(), { ...admin, args: 'web on 1.5' })).text).toMatch(/from 0 to 1/);
    expect(await handleKbCommand(deps(), { ...admin, args: 'web on 0.7' })).toMatchObject({ ephemeral: false });
    expect(await channelKnowledge(db, key)).toMatchObject({ webSearch: true, hybridAlpha: expect.closeTo(0.7, 5) });
    await handleKbCommand(deps(), { ...admin, args: 'web off' });
    expect(await channelKnowledge(db, key)).toMatchObject({ webSearch: false, hybridAlpha: expect.closeTo(0.7, 5) });
    expect((await handleKbCommand(deps(false), { ...admin, args: 'web on' })).text).toMatch(/not configured/);
    expect((await handleKbCommand(deps(false), { ...admin, args: 'list' })).text).toMatch(/Web search:\* not configured/);
  });

  it('sets and clears the channel\'s LoRA adapter, shown in /kb list', async () => {
    const admin = { key, userId: '29:admin-aad' };
    expect(await handleKbCommand(deps(), { ...admin, args: 'adapter pumps' })).toEqual({ text: expect.stringMatching(/now use the LoRA adapter `pumps`/), ephemeral: false });
    expect((await handleKbCommand(deps(), { ...admin, args: 'adapter presses' })).text).toMatch(/`presses` \(was `pumps`\)/);
    expect(await adapterForChannel(db, key)).toBe('presses');
    expect((await handleKbCommand(deps(), { ...admin, args: 'list' })).text).toMatch(/\*LoRA adapter:\* `presses`/);
    expect((await handleKbCommand(deps(), { ...admin, args: 'adapter Bad/Name' })).text).toMatch(/not an adapter name/);
    expect((await handleKbCommand(deps(), { key, userId: 'nobody', args: 'adapter off' })).text).toBe(KB_REFUSAL);
    expect(await handleKbCommand(deps(), { ...admin, args: 'adapter off' })).toMatchObject({ ephemeral: false, text: expect.stringMatching(/base model/) });
    expect((await handleKbCommand(deps(), { ...admin, args: 'adapter off' })).text).toMatch(/No LoRA adapter is set/);
    expect((await handleKbCommand(deps(), { ...admin, args: 'list' })).text).toMatch(/\*LoRA adapter:\* none \(base model\)/);
  });

  it('answers usage for bad arguments and validates scope names', async () => {
    const admin = { key, userId: '29:admin-aad' };
    expect((await handleKbCommand(deps(), { ...admin, args: 'attach' })).text).toMatch(/Usage/);
    expect((await handleKbCommand(deps(), { ...admin, args: 'attach a b' })).text).toMatch(/Usage/);
    expect((await handleKbCommand(deps(), { ...admin, args: 'attach ../etc' })).text).toMatch(/invalid scope name/);
    expect((await handleKbCommand(deps(), { ...admin, args: '' })).text).toMatch(/Knowledge commands/);
  });
});
