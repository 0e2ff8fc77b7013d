import { format } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Db } from '../../../src/index.js';
import { startService, type Service } from '../../../workers/service.js';
import { LocalBotFramework, teamsMessage } from '../../support/local-bot-framework.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/**
 * Everything the process would print: pino's lines (captured at warn) and anything written through
 * `console` (botbuilder's own output). The console capture is installed before the service starts,
 * so it sits below any silencing the adapter adds and sees exactly what would reach the terminal.
 */
describe('bad Teams requests: 400 for non-activities, 401 with one JSON warn line for bad tokens', () => {
  let bf: LocalBotFramework;
  let db: Db;
  let svc: Service;
  let botUrl: string;
  const pinoLines: string[] = [];
  const consoleLines: string[] = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const originals = methods.map((m) => console[m]);

  beforeAll(async () => {
    methods.forEach((m) => (console[m] = (...args: unknown[]) => void consoleLines.push(format(...args))));
    bf = await new LocalBotFramework().start();
    db = await createTestPgliteDb();
    const log = createLogger({ level: 'warn', destination: { write: (s: string) => void pinoLines.push(s) } });
    const cfg = testConfig({ ...bf.settings(), ROLE: 'adapters', LOG_REPEAT_INTERVAL_MS: '600000' } as never);
    svc = await startService(cfg, { db, log, host: '127.0.0.1' });
    botUrl = `http://127.0.0.1:${svc.port}/api/messages`;
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await bf?.close();
    methods.forEach((m, i) => (console[m] = originals[i]!));
  });

  const post = (body: string, token: string | null = bf.token()) =>
    fetch(botUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });

  it.each([
    ['null', 'null'],
    ['an array', '[{"type":"message"}]'],
    ['a string', '"message"'],
    ['a number', '7'],
    ['an object without a type', '{"text":"hi"}'],
  ])('a body that is %s → 400, nothing enqueued', async (_name, body) => {
    const before = await svc.rt.queues.inference.count();
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(await svc.rt.queues.inference.count()).toBe(before);
  });

  const alg = (bf: LocalBotFramework) => {
    const [h, p] = bf.token().split('.');
    return `${b64({ ...JSON.parse(Buffer.from(h!, 'base64url').toString()), alg: 'none' })}.${p}.`;
  };
  it.each([
    ['no token', () => null],
    ['alg: none', alg],
    ['an unknown key', (bf: LocalBotFramework) => bf.token({}, { keyid: 'nope' })],
    ['an expired token', (bf: LocalBotFramework) => bf.token({}, { expiresIn: -600 })],
    ['a wrong audience', (bf: LocalBotFramework) => bf.token({}, { audience: 'someone-else' })],
    ['a bad signature', (bf: LocalBotFramework) => bf.token({}, {}, bf.rogueKey)],
  ])('%s → 401 and exactly one JSON warn line, without stack or key material', async (_name, token) => {
    const p0 = pinoLines.length;
    const c0 = consoleLines.length;
    const res = await post(JSON.stringify(teamsMessage(bf, { text: 'must not be answered' })), token(bf));
    expect(res.status).toBe(401);
    // botbuilder writes to the console synchronously while it handles the request: all of it is in by now.
    const printed = [...pinoLines.slice(p0), ...consoleLines.slice(c0)];
    expect(consoleLines.slice(c0)).toEqual([]);
    expect(pinoLines.slice(p0)).toHaveLength(1);
    const line = JSON.parse(pinoLines[p0]!);
    expect(line).toMatchObject({ level: 40, status: 401, msg: 'teams request unauthorized' });
    expect(typeof line.reason).toBe('string');
    expect(line.reason.length).toBeLessThanOrEqual(120);
    const all = printed.join('\n');
    expect(all).not.toMatch(/BEGIN|PUBLIC KEY|\n\s+at /);
    expect(all).not.toContain('"stack"');
  });

  it('the same failure repeated is logged once per interval', async () => {
    const p0 = pinoLines.length;
    for (let i = 0; i < 5; i++) expect((await post(JSON.stringify(teamsMessage(bf, { text: 'x' })), bf.token({}, { audience: 'another-one' }))).status).toBe(401);
    expect(pinoLines.slice(p0).length).toBeLessThanOrEqual(1);
    expect(consoleLines).toEqual([]);
  });

  it('a valid activity is still accepted', async () => {
    const res = await bf.postActivity(botUrl, teamsMessage(bf, { text: 'why does pump P-101 cavitate?' }));
    expect(res.status).toBe(200);
  });
});
