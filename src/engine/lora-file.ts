import { stat } from 'node:fs/promises';
import { readGgufFileInfo } from 'node-llama-cpp';
import { AdapterUnavailableError } from '../errors.js';
import { fileSha256 } from './file-sha256.js';

/** One LoRA adapter as configured (`LORA_ADAPTERS=name=path[:scale]`). */
export interface LoraAdapterSpec {
  /** Lower-case name that bindings and metrics use (`^[a-z0-9][a-z0-9._-]{0,62}$`). */
  name: string;
  /** GGUF LoRA adapter file (llama.cpp's `convert_lora_to_gguf.py` output). */
  filePath: string;
  /** Multiplies the adapter's delta (llama.cpp applies `scale × alpha / rank`). 0 = the base model. */
  scale: number;
}

/** Which version of an adapter file is loaded: a change of any field is a new version. */
export interface AdapterFileVersion {
  /** Last modification time (ms since epoch) and size: the cheap check done on every poll. */
  mtimeMs: number;
  size: number;
  /** Content hash, computed when the cheap check changed (or at load). */
  sha256: string;
}

/** `mtimeMs` and `size` of a file, the part of its version that costs one `stat`. */
export async function statVersion(filePath: string): Promise<Pick<AdapterFileVersion, 'mtimeMs' | 'size'>> {
  const s = await stat(filePath);
  return { mtimeMs: s.mtimeMs, size: s.size };
}

/**
 * Checks that `spec.filePath` is a GGUF LoRA adapter for a model of `architecture`, before
 * llama.cpp sees it: llama.cpp's own refusal is a log line and a bare "Failed to initialize LoRA
 * adapter". The keys are those `convert_lora_to_gguf.py` writes (`general.type = adapter`,
 * `adapter.type = lora`, `general.architecture`), the ones `llama_adapter_lora_init` checks.
 * Returns the file's version.
 */
export async function assertLoraAdapterFile(spec: LoraAdapterSpec, architecture: string | undefined): Promise<AdapterFileVersion> {
  const fail = (why: string, cause?: unknown) =>
    new AdapterUnavailableError(spec.name, spec.filePath, `LORA_ADAPTERS: adapter ${spec.name} (${spec.filePath}) ${why}`, { cause });
  let version: Pick<AdapterFileVersion, 'mtimeMs' | 'size'>;
  try {
    version = await statVersion(spec.filePath);
  } catch (e) {
    throw fail(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, e);
  }
  let metadata: Record<string, unknown>;
  try {
    metadata = (await readGgufFileInfo(spec.filePath, { readTensorInfo: false, logWarnings: false })).metadata as unknown as Record<string, unknown>;
  } catch (e) {
    throw fail(`is not a GGUF file (${(e as Error).message})`, e);
  }
  const general = (metadata.general ?? {}) as { type?: unknown; architecture?: unknown };
  const adapter = (metadata.adapter ?? {}) as { type?: unknown };
  if (general.type !== 'adapter' || adapter.type !== 'lora') {
    throw fail(`is not a LoRA adapter: its general.type is ${JSON.stringify(general.type ?? null)} and adapter.type ${JSON.stringify(adapter.type ?? null)}, ` +
      'expected "adapter" and "lora" (a model file given as an adapter? convert a PEFT adapter with llama.cpp\'s convert_lora_to_gguf.py)');
  }
  if (architecture && general.architecture !== architecture) {
    throw fail(`was made for a ${String(general.architecture)} model, but the model is ${architecture}`);
  }
  return { ...version, sha256: await fileSha256(spec.filePath) };
}
