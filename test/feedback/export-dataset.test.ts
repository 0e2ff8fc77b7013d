import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  attachScope, buildDataset, createPseudonymizer, createRedactor, ensureScope, exportDataset, finishMessage, getMessagePrompt, migrate, recordCorrection, recordVote,
  saveMessagePrompt, startMessage, type ConversationKey, type DatasetFormat, type Db, type PromptMessage, type RatedAnswer,
} from '../../src/index.js';
import { finishDiagnosis, recordOutcome, startDiagnosis } from '../../src/diagnosis/index.js';
import { preferencePairSchema } from '../../src/engine/index.js';
import { sampleDiagnosisView } from '../support/diagnosis-fixtures.js';
import { TEST_DATABASE_URL, uniqueId } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';

// The formats, written here from the tools' documentation (not imported from src/): TRL's
// conversational SFT / preference / unpaired-preference shapes and OpenAI's preference format.
const turn = z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const prompt = z.array(turn).min(2).refine((m) => m[0]!.role === 'system' && m.at(-1)!.role === 'user', 'system first, user last');
const assistant = z.array(z.strictObject({ role: z.literal('assistant'), content: z.string().min(1) })).length(1);
const meta = z.strictObject({
  source: z.enum(['answer', 'correction', 'diagnosis', 'pair']), messageId: z.string().optional(), diagnosisId: z.string().optional(), platform: z.string(),
  asker: z.string(), voters: z.array(z.string().regex(/^u_[0-9a-f]{16}$/)), createdAt: z.iso.datetime(),
});
const SCHEMAS: Record<DatasetFormat, z.ZodType> = {
  sft: z.strictObject({ messages: z.array(turn).min(3).refine((m) => m.at(-1)!.role === 'assistant' && m.at(-2)!.role === 'user'), meta }),
  dpo: z.strictObject({ prompt, chosen: assistant, rejected: assistant, meta }),
  kto: z.strictObject({ prompt, completion: assistant, label: z.boolean(), meta }),
  'openai-dpo': z.strictObject({ input: z.strictObject({ messages: prompt }), preferred_output: assistant, non_preferred_output: assistant }),
};

const SECRET = 'a-stable-test-secret-0123456789';
const SYSTEM = 'You are R1. Contact support@plant.example or +49 30 1234 5678 for help.';

describe('npm run feedback -- export: datasets from votes, corrections and the exact prompts', () => {
  let db: Db;
  let dir: string;
  const ids: Record<string, string> = {};
  const prompts: Record<string, PromptMessage[]> = {};

  async function answer(name: string, key: ConversationKey, question: string, text: string, reasoning = 'Thinking about it.') {
    const row = await startMessage(db, { jobId: uniqueId(name), key, userId: `asker-${name}`, kind: 'chat', question });
    const p: PromptMessage[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: question }];
    await saveMessagePrompt(db, row.id, { messages: p, systemPromptSha256: 'x'.repeat(64), droppedHistory: 0 });
    await finishMessage(db, row.id, { answer: text, reasoning, status: 'answered', modelSha256: null, promptTokens: 1, completionTokens: 1, timings: {} });
    ids[name] = row.id;
    prompts[name] = p;
    return row.id;
  }
  const vote = (name: string, user: string, v: 'up' | 'down', key: ConversationKey) => recordVote({ db }, { messageId: ids[name]!, platform: key.platform, userId: user }, v);
  const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const exportTo = async (format: DatasetFormat, extra: Partial<Parameters<typeof exportDataset>[1]> = {}) => {
    const out = path.join(dir, `${format}-${uniqueId('x')}.jsonl`);
    const res = await exportDataset(db, { format, out, pseudonymSecret: SECRET, ...extra });
    return { ...res, lines: await lines(out), raw: await readFile(out, 'utf8') };
  };

  const kb: ConversationKey = { platform: 'slack', tenant: 'T1', channel: 'CKB', thread: '1' };
  const dm: ConversationKey = { platform: 'teams', tenant: 'tenant-1', channel: 'a:dm', thread: 'a:dm' };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'r1-feedback-export-'));
    db = await createTestPgDb();
    await migrate(db);
    await ensureScope(db, 'pumps');
    await attachScope(db, { platform: 'slack', tenant: 'T1', channel: 'CKB' }, 'pumps', 'test');
    // Same prompt, one good and one bad answer → a pair from a 👍 answer.
    await answer('good', kb, 'Why does P-101 vibrate?', 'Check the coupling alignment.');
    await answer('bad', kb, 'Why does P-101 vibrate?', 'Call bob@plant.example on 030 9876 5432.');
    await vote('good', 'U1', 'up', kb);
    await vote('good', 'U2', 'up', kb);
    await vote('bad', 'U1', 'down', kb);
    // A 👎 with a correction (DM, not in the scope).
    await answer('fixed', dm, 'Torque for the pump flange?', 'About 10 Nm.');
    await recordCorrection({ db }, { messageId: ids.fixed!, platform: 'teams', userId: 'aad-carol' }, '45 Nm, crosswise, in three passes (serial SN-123456).');
    // A tie (one up, one down): in no SFT/KTO line.
    await answer('tied', dm, 'Is the spare in stock?', 'Yes.');
    await vote('tied', 'aad-a', 'up', dm);
    await vote('tied', 'aad-b', 'down', dm);
    // Not voted on: in no dataset.
    await answer('unrated', dm, 'Hello?', 'Hi.');
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['sft', 'dpo', 'kto', 'openai-dpo'] as const)('%s: every line matches the format\'s schema; the prompt is the stored one, byte for byte', async (format) => {
    const { lines: ls, written } = await exportTo(format);
    expect(ls.length).toBe(written);
    expect(ls.length).toBeGreaterThan(0);
    for (const [i, l] of ls.entries()) expect(SCHEMAS[format].safeParse(l).error?.issues ?? [], `line ${i + 1}`).toEqual([]);
    const storedPrompts = await Promise.all(Object.values(ids).map(async (id) => JSON.stringify((await getMessagePrompt(db, id))!.messages)));
    for (const l of ls) {
      const p = format === 'sft' ? (l.messages as PromptMessage[]).slice(0, -1) : format === 'openai-dpo' ? (l.input as { messages: PromptMessage[] }).messages : l.prompt as PromptMessage[];
      expect(storedPrompts).toContain(JSON.stringify(p));
    }
  });

  it('sft: 👍 answers and corrections; dpo: 👎 against the correction and against the 👍 answer to the same prompt; kto: majority votes, ties left out', async () => {
    const sft = await exportTo('sft');
    expect(sft.counts).toEqual({ 'sft.answers': 1, 'sft.corrections': 1 });
    expect(sft.lines.map((l) => (l.messages as PromptMessage[]).at(-1)!.content)).toEqual(['Check the coupling alignment.', '45 Nm, crosswise, in three passes (serial SN-123456).']);
    const dpo = await exportTo('dpo');
    expect(dpo.counts).toEqual({ 'dpo.pairs_from_answers': 1, 'dpo.pairs_from_corrections': 1 });
    expect(dpo.lines.map((l) => [(l.chosen as PromptMessage[])[0]!.content, (l.rejected as PromptMessage[])[0]!.content])).toEqual([
      ['Check the coupling alignment.', 'Call bob@plant.example on 030 9876 5432.'],
      ['45 Nm, crosswise, in three passes (serial SN-123456).', 'About 10 Nm.'],
    ]);
    // The evaluation gate (`npm run adapters -- eval`) reads these lines as they are.
    for (const l of dpo.lines) expect(preferencePairSchema.safeParse(l).success).toBe(true);
    const odpo = await exportTo('openai-dpo');
    expect(odpo.lines[1]).toEqual({
      input: { messages: prompts.fixed }, preferred_output: [{ role: 'assistant', content: '45 Nm, crosswise, in three passes (serial SN-123456).' }],
      non_preferred_output: [{ role: 'assistant', content: 'About 10 Nm.' }],
    });
    const kto = await exportTo('kto');
    expect(kto.counts).toEqual({ 'kto.desirable': 1, 'kto.undesirable': 2, 'skipped.tied_votes': 1 });
    expect(kto.lines.map((l) => [(l.completion as PromptMessage[])[0]!.content, l.label])).toEqual([
      ['Check the coupling alignment.', true], ['Call bob@plant.example on 030 9876 5432.', false], ['About 10 Nm.', false],
    ]);
  });

  it('--with-reasoning puts R1\'s reasoning before model answers, never before a correction', async () => {
    const { lines: ls } = await exportTo('dpo', { withReasoning: true });
    expect((ls[0]!.chosen as PromptMessage[])[0]!.content).toBe('<think>\nThinking about it.\n</think>\n\nCheck the coupling alignment.');
    expect((ls[1]!.chosen as PromptMessage[])[0]!.content).toBe('45 Nm, crosswise, in three passes (serial SN-123456).');
    expect((ls[1]!.rejected as PromptMessage[])[0]!.content).toBe('<think>\nThinking about it.\n</think>\n\nAbout 10 Nm.');
  });

  it('--since and --scope select answers', async () => {
    expect((await exportTo('kto', { scope: 'pumps' })).counts).toEqual({ 'kto.desirable': 1, 'kto.undesirable': 1 });
    expect((await exportTo('kto', { since: new Date(Date.now() + 60_000) })).written).toBe(0);
    expect((await exportTo('kto', { since: new Date(Date.now() - 3_600_000) })).written).toBe(3);
  });

  it('--redact masks e-mail addresses, phone numbers and configured patterns; user ids are stable pseudonyms', async () => {
    const plain = await exportTo('dpo');
    expect(plain.raw).toContain('bob@plant.example');
    const red = await exportTo('dpo', { redact: true, redactPatterns: ['SN-\\d{6}'] });
    expect(red.raw).not.toMatch(/bob@plant\.example|support@plant\.example|9876 5432|1234 5678|SN-123456/);
    expect((red.lines[0]!.rejected as PromptMessage[])[0]!.content).toBe('Call [email] on [phone].');
    expect((red.lines[0]!.prompt as PromptMessage[])[0]!.content).toBe('You are R1. Contact [email] or [phone] for help.');
    expect((red.lines[1]!.chosen as PromptMessage[])[0]!.content).toBe('45 Nm, crosswise, in three passes (serial [redacted]).');
    // No raw user id anywhere; the same user has the same pseudonym in every export, another secret gives others.
    for (const raw of [plain.raw, red.raw]) expect(raw).not.toMatch(/"U1"|"U2"|aad-carol|asker-/);
    const m0 = (l: Record<string, unknown>) => l.meta as { asker: string; voters: string[] };
    expect(m0(plain.lines[0]!)).toEqual(m0(red.lines[0]!));
    const pseudo = createPseudonymizer(SECRET);
    expect(m0(plain.lines[0]!).voters).toEqual([pseudo('slack', 'T1', 'U1'), pseudo('slack', 'T1', 'U2')]);
    expect(m0(plain.lines[1]!).voters).toEqual([pseudo('teams', 'tenant-1', 'aad-carol')]);
    expect(createPseudonymizer('another-secret-0123456789')('slack', 'T1', 'U1')).not.toBe(pseudo('slack', 'T1', 'U1'));
    expect(() => createPseudonymizer('short')).toThrow(/at least 16 characters/);
  });

  // One tsx start: a few seconds on a quiet 2-core machine.
  it('the CLI prints the counts per kind', { timeout: 120_000 }, async () => {
    const run = promisify(execFile);
    const ROOT = path.resolve(import.meta.dirname, '../..');
    const schema = (db as unknown as { schema?: string }).schema ?? (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    const env = { PATH: process.env.PATH, ENV_FILE: '/dev/null', LOG_LEVEL: 'error', DATABASE_URL: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` };
    const cli = (args: string[], extra: Record<string, string> = {}) => run(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'workers/feedback.ts'), ...args], { cwd: ROOT, env: { ...env, ...extra }, timeout: 60_000 })
      .then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
    const out = path.join(dir, 'cli.jsonl');
    const ok = await cli(['export', '--format', 'sft', '--redact', '--since', '2000-01-01', '--out', out], { FEEDBACK_PSEUDONYM_SECRET: SECRET, FEEDBACK_REDACT_PATTERNS: '["SN-\\\\d{6}"]' });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe(`sft.answers\t1\nsft.corrections\t1\n2 line(s) written to ${out}\n`);
    expect(await readFile(out, 'utf8')).toContain('serial [redacted]');
  });

  // Last in this block: the diagnoses it adds change the counts above.
  it('resolved diagnoses join the same export (sft, kto; not dpo): their stored prompt, --scope, --since, --redact, pseudonyms', async () => {
    const result = sampleDiagnosisView().result!;
    const diagnose = async (key: ConversationKey, outcome: 'resolved' | 'escalated' | null) => {
      const jobId = uniqueId('diag');
      const msg = await startMessage(db, { jobId, key, userId: 'U4', kind: 'diagnose', question: 'P-101 E-214' });
      const d = await startDiagnosis(db, { jobId, messageId: msg.id, platform: key.platform, tenant: key.tenant, channel: key.channel, assetId: 'P-101', faultCode: 'E-214', request: 'E-214', requestedBy: 'U4' });
      const prompt = { context: [{ role: 'system' as const, text: 'Diagnose. Escalate to ops@plant.example.' }], question: 'P-101 E-214 high vibration ✓' };
      await finishDiagnosis(db, d.id, result, prompt);
      if (outcome) await recordOutcome(db, d.id, outcome, 'U5');
      return { id: d.id, prompt };
    };
    const inScope = await diagnose(kb, 'resolved');
    const elsewhere = await diagnose(dm, 'resolved');
    await diagnose(kb, 'escalated');
    await diagnose(kb, null);

    const sft = await exportTo('sft');
    expect(sft.counts).toEqual({ 'sft.answers': 1, 'sft.corrections': 1, 'sft.diagnoses': 2 });
    for (const [i, l] of sft.lines.entries()) expect(SCHEMAS.sft.safeParse(l).error?.issues ?? [], `line ${i + 1}`).toEqual([]);
    const line = sft.lines.find((l) => (l.meta as { diagnosisId?: string }).diagnosisId === inScope.id)!;
    // The prompt as the diagnosis stored it, byte for byte, and the model's structured answer.
    expect(line.messages).toEqual([
      { role: 'system', content: inScope.prompt.context[0]!.text }, { role: 'user', content: inScope.prompt.question },
      { role: 'assistant', content: JSON.stringify({ safety: result.safety, causes: result.causes, checks: result.checks, parts: result.parts, escalate: result.escalate }) },
    ]);
    const pseudo = createPseudonymizer(SECRET);
    expect(line.meta).toMatchObject({ source: 'diagnosis', platform: 'slack', asker: pseudo('slack', 'T1', 'U4'), voters: [pseudo('slack', 'T1', 'U5')] });
    expect(sft.raw).not.toMatch(/"U4"|"U5"/);

    const kto = await exportTo('kto');
    expect(kto.counts).toMatchObject({ 'kto.diagnoses': 2 });
    const k = kto.lines.find((l) => (l.meta as { diagnosisId?: string }).diagnosisId === elsewhere.id)!;
    expect(SCHEMAS.kto.safeParse(k).success).toBe(true);
    expect(k).toMatchObject({ prompt: (line.messages as PromptMessage[]).slice(0, 2), completion: (line.messages as PromptMessage[]).slice(2), label: true });
    expect((await exportTo('dpo')).counts).not.toHaveProperty('dpo.diagnoses');

    expect((await exportTo('sft', { scope: 'pumps' })).lines.flatMap((l) => (l.meta as { diagnosisId?: string }).diagnosisId ?? [])).toEqual([inScope.id]);
    expect((await exportTo('sft', { since: new Date(Date.now() + 60_000) })).written).toBe(0);
    const red = await exportTo('sft', { redact: true });
    expect(red.raw).toContain('Escalate to [email].');
    expect(red.raw).not.toContain('ops@plant.example');
  });
});

describe('createRedactor', () => {
  const redact = createRedactor({ patterns: ['\\bSN-\\d{6}\\b'] });
  it.each([
    ['mail me at jane.doe+pumps@plant-a.example.com please', 'mail me at [email] please'],
    ['call +49 (30) 1234-5678 or 030/98765432', 'call [phone] or [phone]'],
    ['US: (555) 123-4567.', 'US: [phone].'],
    ['serial SN-123456 on P-101', 'serial [redacted] on P-101'],
    // Left alone: fault codes, measurements, dates, times, short numbers, long plain numbers.
    ['E-214 at 0.05 mm on 2026-12-02 10:30, part 4711, order 123456789012', 'E-214 at 0.05 mm on 2026-12-02 10:30, part 4711, order 123456789012'],
    ['from 2026-12-02 08:15:00 to 2026-12-03', 'from 2026-12-02 08:15:00 to 2026-12-03'],
    ['version 1.2.3 and 3.14159265', 'version 1.2.3 and 3.14159265'],
  ])('%s', (input, expected) => expect(redact(input)).toBe(expected));
  it('refuses a pattern that does not compile, naming it', () => {
    expect(() => createRedactor({ patterns: ['(unclosed'] })).toThrow(/redact pattern "\(unclosed" does not compile/);
  });
});

describe('buildDataset: resolved diagnoses join sft and kto', () => {
  const diag = {
    messages: [{ role: 'system' as const, content: 'sys' }, { role: 'user' as const, content: 'P-101 E-214' }, { role: 'assistant' as const, content: '{"causes":[]}' }],
    meta: { diagnosisId: '9', assetId: 'P-101', faultCode: 'E-214', outcomeBy: 'U5', feedback: null, createdAt: '2026-12-01T00:00:00.000Z' },
    platform: 'slack', tenant: 'T1', requestedBy: 'U4',
  };
  const o = { withReasoning: false, pseudonym: createPseudonymizer(SECRET), redact: (s: string) => s };
  it.each([
    ['sft', { messages: diag.messages }],
    ['kto', { prompt: diag.messages.slice(0, 2), completion: [diag.messages[2]], label: true }],
  ] as const)('%s', (format, expected) => {
    const r = buildDataset([] as RatedAnswer[], [diag], { ...o, format });
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject(expected);
    expect(r.counts).toEqual({ [`${format}.diagnoses`]: 1 });
    expect(SCHEMAS[format].safeParse(r.lines[0]).success).toBe(true);
  });
  it('dpo has no diagnosis pairs (a diagnosis has no rejected answer)', () => {
    expect(buildDataset([], [diag], { ...o, format: 'dpo' }).lines).toEqual([]);
  });
});
