import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataset, createPseudonymizer, type RatedAnswer } from '../../src/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'deploy/training/train_lora.py');
const python = (() => {
  try {
    execFileSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 9)'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Two answers to one prompt (one 👍, one 👎 with a correction) and one more 👎: a few lines of each format. */
function answers(): RatedAnswer[] {
  const prompt = [{ role: 'system' as const, content: 'You are R1.' }, { role: 'user' as const, content: 'Why does P-101 vibrate?' }];
  const at = new Date('2026-12-01T00:00:00Z');
  const a = (id: string, answer: string, votes: RatedAnswer['votes']): RatedAnswer => ({
    messageId: id, platform: 'slack', tenant: 'T1', channel: 'C1', askerId: 'U9', answer, reasoning: 'hm', createdAt: at, prompt, votes,
  });
  return [
    a('1', 'Check the coupling alignment.', [{ userId: 'U1', value: 'up', correction: null, at }]),
    a('2', 'No idea.', [{ userId: 'U2', value: 'down', correction: 'Check the coupling, then the bearings.', at }]),
    a('3', 'Ask someone.', [{ userId: 'U3', value: 'down', correction: null, at }]),
  ];
}

describe.skipIf(!python)('deploy/training/train_lora.py --dry-run (validates the data and arguments; imports neither torch nor trl)', () => {
  let dir: string;
  let blocked: string;
  const run = async (args: string[]) => {
    try {
      // torch, trl, peft, transformers and datasets on the path raise on import: a dry run must not import them.
      const r = await promisify(execFile)('python3', [SCRIPT, ...args], { env: { PATH: process.env.PATH, PYTHONPATH: blocked }, timeout: 30_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };
  const o = { withReasoning: false, pseudonym: createPseudonymizer('training-test-secret-0123'), redact: (s: string) => s };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'r1-training-'));
    blocked = path.join(dir, 'blocked');
    await mkdir(blocked);
    for (const m of ['torch', 'trl', 'peft', 'transformers', 'datasets']) await writeFile(path.join(blocked, `${m}.py`), `raise ImportError("dry run imported ${m}")\n`);
    await mkdir(path.join(dir, 'llama.cpp'));
    await writeFile(path.join(dir, 'llama.cpp', 'convert_lora_to_gguf.py'), '');
    for (const format of ['sft', 'dpo', 'kto'] as const) {
      const lines = buildDataset(answers(), [], { ...o, format }).lines;
      await writeFile(path.join(dir, `${format}.jsonl`), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    }
    await writeFile(path.join(dir, 'bad.jsonl'), `${JSON.stringify({ messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] })}\n{"messages":[{"role":"user","content":"q"}]}\n`);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const base = () => ['--base-model', 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', '--name', 'pumps', '--out', path.join(dir, 'run'), '--llama-cpp', path.join(dir, 'llama.cpp'), '--dry-run'];

  it('an exported dpo file: valid, held-out pairs for the gate, the plan names convert_lora_to_gguf.py and the gate', async () => {
    const r = await run(['--data', path.join(dir, 'dpo.jsonl'), ...base()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(dpo, 3 line(s) valid; 2 for training, 1 held out for the gate)');
    expect(r.stdout).toContain('1. train: DPOTrainer on deepseek-ai/DeepSeek-R1-Distill-Qwen-7B');
    expect(r.stdout).toMatch(/2\. convert: \S*python\S* \S+\/llama\.cpp\/convert_lora_to_gguf\.py --base deepseek-ai\/DeepSeek-R1-Distill-Qwen-7B --outfile \S+\/run\/pumps\.gguf --outtype f16 \S+\/run\/adapter/);
    // The candidate by its file (a LORA_ADAPTERS entry of the same name is the version in service).
    expect(r.stdout).toMatch(/3\. gate: \(cd \S+ && npm run adapters -- eval --adapter \S+\/run\/pumps\.gguf --data \S+\/run\/heldout\.jsonl\)\n/);
    expect(r.stdout).toContain('dry run: data and arguments are valid; nothing was trained');
  });

  it('an exported sft file with held-out dpo pairs for the gate, against the adapter in service', async () => {
    const r = await run(['--data', path.join(dir, 'sft.jsonl'), '--eval-data', path.join(dir, 'dpo.jsonl'), '--against', 'pumps', ...base()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1. train: SFTTrainer');
    // A new version of an adapter in service must beat that one too.
    expect(r.stdout).toMatch(/3\. gate: .* npm run adapters -- eval --adapter \S+\/run\/pumps\.gguf --data \S+\/dpo\.jsonl --against pumps\)/);
  });

  it.each([
    { name: 'a bad line, by file and line', args: () => ['--data', path.join(dir, 'bad.jsonl'), '--skip-gate'], err: /bad\.jsonl:2: messages must end with a assistant message|bad\.jsonl:2: messages must hold a prompt and an answer/ },
    { name: 'an sft run without pairs for the gate', args: () => ['--data', path.join(dir, 'sft.jsonl')], err: /the gate needs held-out DPO pairs/ },
    { name: 'a kto file (not trained here)', args: () => ['--data', path.join(dir, 'kto.jsonl')], err: /kto\.jsonl:1: neither an sft line \(messages\) nor a dpo line/ },
    { name: 'a missing llama.cpp', args: () => ['--data', path.join(dir, 'dpo.jsonl'), '--llama-cpp', path.join(dir, 'nowhere')], err: /convert_lora_to_gguf\.py not found there/ },
    { name: 'a bad name and rank', args: () => ['--data', path.join(dir, 'dpo.jsonl'), '--name', 'a b', '--lora-r', '0'], err: /--name must be letters[\s\S]*--lora-r must be > 0/ },
  ])('refuses $name (exit 2)', async ({ args, err }) => {
    const r = await run([...base(), ...args()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(err);
  });
});
