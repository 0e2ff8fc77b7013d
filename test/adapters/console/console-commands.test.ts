import { mkdirSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb } from '../../../src/index.js';
import { ASSETS_CSV, FAULT_CODES_CSV } from '../../support/diagnosis-fixtures.js';
import { until } from '../../support/child-service.js';
import { consoleEnv, runCli, spawnConsole } from '../../support/console-chat.js';
import { hasTestModel } from '../../support/shared-assets.js';

const SCOPE = 'zorblax-docs';
const DOC = `# Zorblax pump maintenance

## Flux valve

The zorblax pump keeps its flux valve greased with quarkwax every twelve days.
`;

/** Every console question in the message log, oldest first. */
async function conversations(dataDir: string) {
  const db = await createPgliteDb({ dataDir: `${dataDir}/pglite` });
  try {
    const res = await db.query<{ question: string; kind: string; status: string }>(`SELECT question, kind, status FROM messages WHERE platform = 'console' ORDER BY id`);
    return res.rows;
  } finally {
    await db.close();
  }
}

describe.skipIf(!hasTestModel)('npm run chat: knowledge and commands', () => {
  // One DATA_DIR for the cases: a document ingested and attached to the console channel.
  const env = consoleEnv();

  beforeAll(async () => {
    const docs = `${env.DATA_DIR}-docs`;
    mkdirSync(docs, { recursive: true });
    writeFileSync(`${docs}/zorblax.md`, DOC);
    await runCli(env, 'workers/ingest.ts', ['--scope', SCOPE, docs]);
    await runCli(env, 'workers/kb.ts', ['attach', '--scope', SCOPE, '--platform', 'console', '--team', 'local', '--channel', 'console']);
  }, 120_000);

  it('prints the sources under an answer from the attached scope; /kb and /diagnose are commands, not questions', async () => {
    const c = spawnConsole(env);
    c.type('how often is the zorblax flux valve greased with quarkwax?');
    await until(async () => c.stdout().includes('**Sources**'), 90_000, 'the sources');
    c.type('/kb list');
    await until(async () => c.stdout().includes(SCOPE, c.stdout().indexOf('**Sources**') + 20), 30_000, 'the /kb list answer');
    c.type('/diagnose P-101 E-214 loud noise');
    c.type('/diagnose');
    c.proc.stdin!.end();
    expect(await c.exited).toBe(0);
    const out = c.stdout();
    // Sources as the other surfaces list them: numbered, title › section, file.
    expect(out).toMatch(/\nr1> \*\*Sources\*\*\nr1> \[1\] \*\*Zorblax pump maintenance\*\* › Flux valve · `zorblax\.md`\n/);
    expect(out).not.toContain('Model-only answer');
    // /kb list: the console channel's bindings, from the intake worker's /kb handler.
    expect(out).toContain(`r1> *Attached to this channel:* \`${SCOPE}\`\n`);
    // /diagnose with an empty registry says so; without arguments, how to use it.
    expect(out).toContain('r1> I don\'t know asset `P-101`: the asset registry is empty.');
    expect(out).toContain('r1> Tell me which machine and what is wrong. Usage: `/diagnose <asset>');
    expect(c.stderr()).toBe('');
    // Only the question went to the model: the commands are not in the message log.
    expect((await conversations(env.DATA_DIR)).map((r) => r.question)).toEqual(['how often is the zorblax flux valve greased with quarkwax?']);
  }, 150_000);

  it('/diagnose with an imported registry: the queued note, then the diagnosis', async () => {
    await runCli(env, 'workers/assets.ts', ['import', ASSETS_CSV, FAULT_CODES_CSV]);
    // No free reasoning before the JSON: the structured step alone is enough for the console's part.
    const c = spawnConsole({ ...env, DIAGNOSIS_REASONING_TOKENS: '0' });
    c.type('/diagnose P-101 E-214 loud noise after restart');
    c.proc.stdin!.end();
    expect(await c.exited).toBe(0);
    const out = c.stdout();
    const queued = out.indexOf('r1> 🔧 Diagnosing `P-101` (Feed-water pump) for `E-214`: ');
    expect(queued).toBeGreaterThan(0);
    expect(out).toContain('The result will follow here.\n');
    // The diagnosis itself follows the note, in the same words as the message's text elsewhere.
    const result = out.indexOf('r1> **P-101** Feed-water pump · model CP-200 · Line A / Hall 2\nr1> Fault: E-214 — High vibration (🟠 alarm) · loud noise after restart\n');
    expect(result).toBeGreaterThan(queued);
    expect(out.slice(result)).toContain('r1> **Probable causes**\n');
    expect(c.stderr()).toBe('');
    const rows = await conversations(env.DATA_DIR);
    expect(rows.at(-1)).toMatchObject({ kind: 'diagnose', status: 'delivered' });
  }, 150_000);
});
