// `npm run adapters -- <command>`: the LoRA evaluation gate, and the adapters this host loads.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  UsageError, assertLoraAdapterFile, createLogger, formatGateResult, loadModel, parsePreferencePairs, runCli, runPreferenceGate, type Config, type LoraAdapterSpec,
} from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run adapters -- <command> [options]
  eval --adapter <name or file.gguf> --data <pairs.jsonl> [--against <name or file.gguf>] [--scale <s>] [--min-gain <0..1>] [--context-size <tokens>] [--json]
        the evaluation gate: on held-out DPO pairs ({"prompt":[…],"chosen":[…],"rejected":[…]} a line),
        the share of pairs where the model gives the chosen answer a higher log-likelihood than the
        rejected one, for the base model (MODEL_PATH) and with the adapter, side by side.
        Exit 0 when the adapter's share beats the base's by more than --min-gain (default 0), else 1.
        --adapter: a LORA_ADAPTERS name (its file and scale), or a GGUF LoRA file (a candidate).
        --against <name or file.gguf>: the adapter now in service; the candidate must beat it too
        (its row is added; exit 1 unless the candidate beats both).
  list  the adapters in LORA_ADAPTERS, each checked (a GGUF LoRA file? sha256)

Promote an adapter only through the gate: export pairs (npm run feedback -- export --format dpo),
hold some out, train on the rest (deploy/training/), run eval on the held-out file (with
--against the adapter it replaces), and only on exit 0 add it to LORA_ADAPTERS and bind it
(npm run kb -- adapter --name …).`;

const parseCommandLine = (args: string[]) => parseArgs({
  args,
  allowPositionals: true,
  options: {
    adapter: { type: 'string' }, against: { type: 'string' }, data: { type: 'string' }, scale: { type: 'string' }, 'min-gain': { type: 'string' },
    'context-size': { type: 'string' }, json: { type: 'boolean' },
  },
});

const number = (v: string | undefined, name: string, def: number, min: number, max: number): number => {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}`);
  return n;
};

/** A LORA_ADAPTERS name, else a file path (a candidate not configured yet). */
async function resolveAdapter(cfg: Config, ref: string, scale: string | undefined): Promise<LoraAdapterSpec> {
  const configured = cfg.LORA_ADAPTERS.find((a) => a.name === ref);
  if (configured) return { ...configured, scale: number(scale, 'scale', configured.scale, -100, 100) };
  if (await stat(ref).then((s) => s.isFile(), () => false)) {
    return { name: path.basename(ref, '.gguf').toLowerCase().replace(/[^a-z0-9._-]/g, '-'), filePath: ref, scale: number(scale, 'scale', 1, -100, 100) };
  }
  const names = cfg.LORA_ADAPTERS.map((a) => a.name).join(', ') || 'none';
  throw new UsageError(`--adapter ${ref} is neither a LORA_ADAPTERS name (${names}) nor a file`);
}

async function evaluate(cfg: Config, v: ReturnType<typeof parseCommandLine>['values']): Promise<number> {
  if (!v.adapter) throw new UsageError('--adapter is required');
  if (!v.data) throw new UsageError('--data is required');
  const minGain = number(v['min-gain'], 'min-gain', 0, 0, 1);
  const contextSize = number(v['context-size'], 'context-size', 4096, 64, 1 << 20);
  const spec = await resolveAdapter(cfg, v.adapter, v.scale);
  const current = v.against ? await resolveAdapter(cfg, v.against, undefined) : undefined;
  const pairs = parsePreferencePairs(await readFile(v.data, 'utf8'));
  const log = createLogger({ level: cfg.LOG_LEVEL });
  const loaded = await loadModel({ modelPath: cfg.MODEL_PATH, modelUri: cfg.MODEL_URI, downloadDir: `${cfg.DATA_DIR}/models`, gpu: cfg.LLAMA_GPU, threads: cfg.LLAMA_THREADS, log });
  try {
    const version = await assertLoraAdapterFile(spec, loaded.model.fileInfo.metadata.general?.architecture);
    if (current) await assertLoraAdapterFile(current, loaded.model.fileInfo.metadata.general?.architecture);
    const res = await runPreferenceGate({ model: loaded.model, threads: cfg.LLAMA_THREADS, contextSize }, pairs, spec, minGain, current);
    if (v.json) {
      const side = (s: typeof res.base) => ({ pairs: s.pairs, wins: s.wins, share: s.share, meanMargin: s.meanMargin });
      console.log(JSON.stringify({ adapter: spec.name, file: spec.filePath, sha256: version.sha256, scale: spec.scale, model: path.basename(loaded.modelPath), minGain, pass: res.pass, base: side(res.base), withAdapter: side(res.adapter), ...(res.current && current ? { against: current.name, current: side(res.current) } : {}) }));
    } else {
      console.log(`model ${path.basename(loaded.modelPath)}, adapter ${spec.name} (${spec.filePath}, scale ${spec.scale}, sha256 ${version.sha256.slice(0, 16)}…), ${pairs.length} pairs from ${v.data}`);
      console.log(formatGateResult(spec.name, res, minGain, current?.name));
    }
    return res.pass ? 0 : 1;
  } finally {
    await loaded.model.dispose();
    await loaded.llama.dispose();
  }
}

await runCli({ name: 'adapters', usage: USAGE }, async (argv) => {
  const parsed = parseCommandLine(argv);
  const cmd = parsed.positionals[0];
  if (cmd !== 'eval' && cmd !== 'list') throw new UsageError(cmd ? `unknown command ${cmd}` : 'a command is required');
  const cfg = loadConfigOrExit();
  if (cmd === 'eval') return evaluate(cfg, parsed.values);
  if (!cfg.LORA_ADAPTERS.length) {
    console.log('LORA_ADAPTERS is empty: every channel answers with the base model');
    return 0;
  }
  let bad = 0;
  for (const a of cfg.LORA_ADAPTERS) {
    try {
      const ver = await assertLoraAdapterFile(a, undefined);
      console.log(`${a.name}\t${a.filePath}\tscale ${a.scale}\tsha256 ${ver.sha256}`);
    } catch (e) {
      bad++;
      console.log(`${a.name}\t${a.filePath}\tscale ${a.scale}\tERROR ${(e as Error).message}`);
    }
  }
  return bad ? 1 : 0;
});
