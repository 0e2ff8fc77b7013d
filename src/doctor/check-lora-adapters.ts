import { readGgufFileInfo } from 'node-llama-cpp';
import type { Config } from '../config/index.js';
import { assertLoraAdapterFile } from '../engine/index.js';
import type { CheckResult } from './check.js';

/**
 * Each LORA_ADAPTERS file, as the worker will check it at start: a GGUF LoRA adapter, for the
 * architecture of MODEL_PATH when that is readable. One line per adapter; none when there are none.
 */
export async function checkLoraAdapters(cfg: Pick<Config, 'LORA_ADAPTERS' | 'MODEL_PATH'>): Promise<CheckResult[]> {
  if (!cfg.LORA_ADAPTERS.length) return [];
  const architecture = cfg.MODEL_PATH
    ? await readGgufFileInfo(cfg.MODEL_PATH, { readTensorInfo: false, logWarnings: false }).then((i) => i.metadata.general?.architecture as string | undefined, () => undefined)
    : undefined;
  const out: CheckResult[] = [];
  for (const a of cfg.LORA_ADAPTERS) {
    try {
      const v = await assertLoraAdapterFile(a, architecture);
      out.push({ name: `lora ${a.name}`, status: 'ok', detail: `${a.filePath} scale ${a.scale} sha256=${v.sha256.slice(0, 16)}…` });
    } catch (e) {
      out.push({ name: `lora ${a.name}`, status: 'fail', detail: (e as Error).message, fix: 'point LORA_ADAPTERS at a GGUF LoRA adapter for this model (llama.cpp convert_lora_to_gguf.py), or remove the entry' });
    }
  }
  return out;
}
