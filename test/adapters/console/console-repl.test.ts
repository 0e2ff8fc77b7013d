import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPgliteDb, listConversation, MODEL_ONLY_NOTE } from '../../../src/index.js';
import { consoleEnv, runEntry, shown, spawnConsole } from '../../support/console-chat.js';
import { hasTestModel } from '../../support/shared-assets.js';

describe('npm run chat --help', () => {
  it('prints the usage and exits 0 without connecting to anything', async () => {
    // An unreachable Redis: --help must not need it.
    const r = await runEntry({ REDIS_URL: 'redis://127.0.0.1:1' }, 'workers/chat.ts', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run chat/);
    for (const s of ['/diagnose', '/kb', '/quit', '--platform console --team local --channel console', 'DATA_DIR/logs/console.log']) expect(r.stdout).toContain(s);
    expect(r.stderr).toBe('');
  }, 30_000);
});

describe.skipIf(!hasTestModel)('npm run chat (console adapter), piped stdin', () => {
  it('answers each piped question in order, prints only the answers (logs in DATA_DIR/logs), handles /help, unknown commands and exit, and exits 0 at exit', async () => {
    const env = consoleEnv();
    const c = spawnConsole(env);
    const q1 = 'Once upon a time there was a pump';
    const q2 = 'what happened next?';
    // Everything at once: the lines are handled one at a time, in order; `exit` ends the run before the last line.
    c.type('/help', '/frobnicate now', q1, '', q2, 'exit', 'this line is never asked');
    c.proc.stdin!.end();
    expect(await c.exited).toBe(0);

    // Both turns are in the message log under one console thread (the history source for console follow-ups).
    const db = await createPgliteDb({ dataDir: `${env.DATA_DIR}/pglite` });
    const thread = /Thread ([0-9a-f-]{36})/.exec(c.stdout())![1]!;
    const rows = await listConversation(db, { platform: 'console', tenant: 'local', channel: 'console', thread });
    await db.close();
    expect(rows.map((r) => r.question)).toEqual([q1, q2]);
    expect(rows.every((r) => r.status === 'delivered' && r.answer)).toBe(true);

    // stdout is exactly: the banner, the command list, the hint, then each answer (streamed live,
    // then completed) with the model-only note under it. No prompts, no log lines, nothing twice.
    const note = shown(`_${MODEL_ONLY_NOTE}_`);
    // "(thinking…)" shows when the live display catches R1 before its first answer token: timing, not content.
    const stdout = c.stdout().replaceAll('(thinking…)\n', '');
    const help = stdout.slice(stdout.indexOf('commands:\n'), stdout.indexOf('(unknown command'));
    expect(help).toMatch(/^commands:\n(  .*\n)+$/);
    expect(help).toContain('/diagnose <asset>');
    expect(stdout).toBe([
      '(starting a local inference worker…)\n',
      `r1 console — answering in this process; ask a question, /help for commands. Thread ${thread}\n`,
      help,
      '(unknown command /frobnicate; /help lists them)\n',
      ...rows.map((r) => `\n${shown(r.answer!)}${note}`),
    ].join(''));
    expect(stdout).not.toMatch(/^\{/m);
    expect(c.stderr()).toBe('');

    // The log file has the run (message text only at debug: LOG_LEVEL is info here).
    const logged = readFileSync(`${env.DATA_DIR}/logs/console.log`, 'utf8');
    expect(logged).toContain('"msg":"question enqueued"');
    expect(logged).toContain('"msg":"reply delivered"');
    expect(logged).not.toContain(q1);
  }, 120_000);
});
