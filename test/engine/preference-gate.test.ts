import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGateResult, InputError, parsePreferencePairs, renderPairs, runPreferenceGate, type PreferencePair } from '../../src/index.js';
import { runEntry } from '../support/console-chat.js';
import { writeLoraGguf } from '../support/lora-gguf.js';
import { hasTestModel, NO_MODEL_REASON, TEST_MODEL_PATH } from '../support/shared-assets.js';

const pair = (q: string, chosen: string, rejected: string): PreferencePair =>
  ({ prompt: [{ role: 'user', content: q }], chosen: [{ role: 'assistant', content: chosen }], rejected: [{ role: 'assistant', content: rejected }] });

/** Pairs the adapters are made from: the chosen answers are cheerful, the rejected ones gloomy. */
const TRAIN = [
  pair('How did the day end?', 'The dog was happy and played with the ball.', 'The dog was sad and cried all day.'),
  pair('What did Lily do?', 'Lily smiled and played with her friend.', 'Lily cried and was sad alone.'),
  pair('Tell me about the cat.', 'The cat was happy. It played in the sun.', 'The cat was sad. It cried in the rain.'),
  pair('What happened at the park?', 'They played and laughed and were happy.', 'They cried and were sad and angry.'),
];
/** Held-out pairs of the same kind (other prompts and sentences): what the gate scores. */
const HELD_OUT = [
  pair('How was the party?', 'Everyone was happy and played games.', 'Everyone was sad and cried.'),
  pair('What did Tom feel?', 'Tom smiled. He was happy.', 'Tom cried. He was sad.'),
  pair('How did the bird feel?', 'The bird was happy and played.', 'The bird was sad and cried.'),
  pair('Tell me about Ben.', 'Ben laughed and played with his dog.', 'Ben cried and was angry with his dog.'),
  pair('What did mom say?', 'Mom smiled and said she was happy.', 'Mom cried and said she was sad.'),
  pair('How was school?', 'It was fun. We played and laughed.', 'It was bad. We cried and were sad.'),
];

/**
 * Two tiny adapters, "trained" in closed form on TRAIN: one gradient step on the logit margin
 * log p(chosen) − log p(rejected) through the output projection, rank 1. The step for a token's
 * logit row is (+1 per time it appears in a chosen answer, −1 per time in a rejected one) × the
 * final hidden state before it; the hidden states are approximated by their mean direction (the
 * model's mean-pooled embedding of the training texts), so the delta is B·Aᵀ with A = that unit
 * vector and B = η × the token counts. "Away" is the same step with the sign flipped.
 */
async function makeAdapters(model: LlamaModel, dir: string): Promise<{ toward: string; away: string }> {
  const rendered = renderPairs(model, TRAIN);
  const emb = await model.createEmbeddingContext({ threads: 1, contextSize: 512 });
  const mean = new Float64Array(64);
  try {
    for (const p of rendered) {
      for (const tokens of [[...p.prefix, ...p.chosen], [...p.prefix, ...p.rejected]]) {
        const v = (await emb.getEmbeddingFor(tokens)).vector;
        for (let i = 0; i < 64; i++) mean[i]! += v[i]!;
      }
    }
  } finally {
    await emb.dispose();
  }
  const norm = Math.hypot(...mean);
  const a = Float32Array.from(mean, (x) => x / norm);
  const counts = new Float32Array(512);
  for (const p of rendered) {
    for (const t of p.chosen) counts[t]! += 1;
    for (const t of p.rejected) counts[t]! -= 1;
  }
  const eta = 0.1;
  const write = (file: string, sign: number) => writeLoraGguf(file, {
    architecture: 'llama', name: `gate test (${sign > 0 ? 'toward' : 'away from'} chosen)`,
    pairs: [{ target: 'output.weight', a, b: Float32Array.from(counts, (c) => sign * eta * c), nIn: 64, nOut: 512, rank: 1 }],
  });
  const toward = path.join(dir, 'toward.gguf');
  const away = path.join(dir, 'away.gguf');
  write(toward, 1);
  write(away, -1);
  return { toward, away };
}

describe('DPO pairs for the gate', () => {
  it('reads TRL conversational lines and plain strings, skipping blank lines', () => {
    const text = [JSON.stringify(HELD_OUT[0]), '', JSON.stringify({ prompt: 'Hi?', chosen: 'Yes.', rejected: 'No.' })].join('\n');
    expect(parsePreferencePairs(text)).toEqual([HELD_OUT[0], pair('Hi?', 'Yes.', 'No.')]);
  });

  it.each([
    ['{not json', /^line 1: not JSON/],
    ['{"prompt":[{"role":"user","content":"q"}],"chosen":[{"role":"assistant","content":"a"}]}', /^line 1: rejected: /],
    ['{"prompt":"q","chosen":[{"role":"user","content":"a"}],"rejected":"b"}', /^line 1: chosen: chosen and rejected hold assistant messages only/],
    ['{"prompt":"q","chosen":"a","rejected":[{"role":"assistant","content":7}]}', /^line 1: rejected/],
    ['\n\n', /no preference pairs/],
  ])('refuses %j naming the line', (text, why) => {
    expect(() => parsePreferencePairs(text)).toThrow(InputError);
    expect(() => parsePreferencePairs(text)).toThrow(why);
  });
});

describe.skipIf(!hasTestModel)('the evaluation gate on the tiny model', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'r1-gate-'));
  let llama: Llama;
  let model: LlamaModel;
  let adapters: { toward: string; away: string };

  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error });
    model = await llama.loadModel({ modelPath: TEST_MODEL_PATH });
    adapters = await makeAdapters(model, dir);
  });
  afterAll(async () => {
    await model?.dispose();
    await llama?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('computes the same figures twice, and passes an adapter made toward the chosen answers; --against: it must beat the adapter in service too', async () => {
    const opts = { model, threads: 1, contextSize: 256 };
    const first = await runPreferenceGate(opts, HELD_OUT, { filePath: adapters.toward, scale: 1 });
    const again = await runPreferenceGate(opts, HELD_OUT, { filePath: adapters.toward, scale: 1 });
    expect(again).toEqual(first);
    expect(first.base).toMatchObject({ pairs: 6, wins: 4 });
    expect(first.adapter).toMatchObject({ pairs: 6, wins: 6, share: 1 });
    expect(first.adapter.meanMargin).toBeGreaterThan(first.base.meanMargin);
    expect(first.pass).toBe(true);
    expect(formatGateResult('toward', first)).toMatch(/^base\s+4\/6\s+66\.7%.*\nadapter toward\s+6\/6\s+100\.0%.*\nPASS: the adapter beats the base \(\+33\.3 points/m);
    // Scale 0 is the base model: no gain, so no pass.
    const zero = await runPreferenceGate(opts, HELD_OUT, { filePath: adapters.toward, scale: 0 });
    expect(zero.adapter.logLikelihoods).toEqual(zero.base.logLikelihoods);
    expect(zero.pass).toBe(false);
    // A new version must beat the adapter in service too (--against): it beats "away", not itself.
    const overAway = await runPreferenceGate(opts, HELD_OUT, { filePath: adapters.toward, scale: 1 }, 0, { filePath: adapters.away, scale: 1 });
    expect(overAway.current!.wins).toBeLessThan(first.adapter.wins);
    expect(overAway.pass).toBe(true);
    const overItself = await runPreferenceGate(opts, HELD_OUT, { filePath: adapters.toward, scale: 1 }, 0, { filePath: adapters.toward, scale: 1 });
    expect(overItself.current).toEqual(first.adapter);
    expect(overItself.pass).toBe(false);
    expect(formatGateResult('toward', overItself, 0, 'toward')).toMatch(/\nPASS: the adapter beats the base .*\nFAIL: the adapter does not beat toward, in service \(\+0\.0 points/);
  });

  it('fails an adapter made away from them; the CLI exits 1 with the table (--against: the adapter in service on its own row)', { timeout: 120_000 }, async () => {
    const res = await runPreferenceGate({ model, threads: 1, contextSize: 256 }, HELD_OUT, { filePath: adapters.away, scale: 1 });
    expect(res.adapter.wins).toBeLessThan(res.base.wins);
    expect(res.pass).toBe(false);

    const data = path.join(dir, 'held-out.jsonl');
    writeFileSync(data, HELD_OUT.map((p) => JSON.stringify(p)).join('\n'));
    const cli = await runEntry(
      { MODEL_PATH: TEST_MODEL_PATH, LLAMA_THREADS: '1', LLAMA_GPU: 'false', LOG_LEVEL: 'error', DATA_DIR: dir, LORA_ADAPTERS: `away=${adapters.away}` },
      'workers/adapters.ts', ['eval', '--adapter', 'away', '--against', adapters.toward, '--data', data, '--context-size', '256'],
    );
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`adapter away (${adapters.away}, scale 1`);
    expect(cli.stdout).toMatch(new RegExp(`^base\\s+4/6\\s+66\\.7%.*\\nadapter away\\s+${res.adapter.wins}/6 .*\\ncurrent toward\\s+6/6 .*\\nFAIL: the adapter does not beat the base.*\\nFAIL: the adapter does not beat toward, in service`, 'm'));
  });

  it('the CLI with --json: one line for scripts, exit 0 when the gate passes (with --against), exit 1 with pass false when it fails', { timeout: 120_000 }, async () => {
    const data = path.join(dir, 'held-out-json.jsonl');
    writeFileSync(data, HELD_OUT.map((p) => JSON.stringify(p)).join('\n'));
    const env = { MODEL_PATH: TEST_MODEL_PATH, LLAMA_THREADS: '1', LLAMA_GPU: 'false', LOG_LEVEL: 'error', DATA_DIR: dir, LORA_ADAPTERS: `away=${adapters.away}` };
    const args = ['eval', '--data', data, '--context-size', '256', '--json'];
    // Both processes at once (each loads the tiny model); the same figures in this process to compare.
    const [pass, fail, inProcess] = await Promise.all([
      runEntry(env, 'workers/adapters.ts', [...args, '--adapter', adapters.toward, '--against', 'away']),
      runEntry(env, 'workers/adapters.ts', [...args, '--adapter', 'away']),
      runPreferenceGate({ model, threads: 1, contextSize: 256 }, HELD_OUT, { filePath: adapters.toward, scale: 1 }, 0, { filePath: adapters.away, scale: 1 }),
    ]);
    expect(pass.stderr).toBe('');
    expect(pass.code).toBe(0);
    expect(pass.stdout.trimEnd().split('\n')).toHaveLength(1);
    const side = (s: typeof inProcess.base) => ({ pairs: 6, wins: s.wins, share: s.share, meanMargin: expect.closeTo(s.meanMargin, 9) });
    expect(JSON.parse(pass.stdout)).toEqual({
      adapter: 'toward', file: adapters.toward, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), scale: 1, model: path.basename(TEST_MODEL_PATH), minGain: 0, pass: true,
      base: side(inProcess.base), withAdapter: side(inProcess.adapter), against: 'away', current: side(inProcess.current!),
    });
    expect(JSON.parse(pass.stdout)).toMatchObject({ base: { wins: 4 }, withAdapter: { wins: 6, share: 1 } });

    expect(fail.stderr).toBe('');
    expect(fail.code).toBe(1);
    expect(fail.stdout.trimEnd().split('\n')).toHaveLength(1);
    const failed = JSON.parse(fail.stdout) as Record<string, unknown>;
    expect(failed).toMatchObject({ adapter: 'away', file: adapters.away, scale: 1, pass: false, base: { pairs: 6, wins: 4 }, withAdapter: { pairs: 6, wins: inProcess.current!.wins } });
    expect(failed).not.toHaveProperty('current');
  });
});

if (!hasTestModel) console.warn(NO_MODEL_REASON);
