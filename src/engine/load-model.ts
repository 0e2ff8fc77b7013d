import { access, constants, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { getLlama, LlamaLogLevel, resolveModelFile, type Llama, type LlamaModel } from 'node-llama-cpp';
import { ModelUnavailableError } from '../errors.js';
import type { Logger } from '../log/logger.js';

export type GpuSetting = 'auto' | 'cuda' | 'vulkan' | 'metal' | 'false';

export interface LoadModelOptions {
  /** GGUF file. When unset, `modelUri` is resolved (downloaded once) into `downloadDir`. */
  modelPath?: string;
  modelUri: string;
  downloadDir: string;
  gpu: GpuSetting;
  /** Upper bound for llama.cpp threads; contexts get the same number explicitly. */
  threads: number;
  /** GPU layers: 'auto' (default) or a count; 0 = CPU only. */
  gpuLayers?: 'auto' | 'max' | number;
  /** VRAM (MiB) to keep free. */
  vramPaddingMb?: number;
  log: Logger;
}

export interface LoadedModel {
  llama: Llama;
  model: LlamaModel;
  modelPath: string;
}

/** Finds the model file: MODEL_PATH if given (must be readable), else a one-time download. */
export async function resolveModelPath(opts: Pick<LoadModelOptions, 'modelPath' | 'modelUri' | 'downloadDir' | 'log'>): Promise<string> {
  if (opts.modelPath) {
    try {
      await access(opts.modelPath, constants.R_OK);
    } catch (e) {
      throw new ModelUnavailableError(opts.modelPath, `MODEL_PATH: cannot read model file ${opts.modelPath} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
    }
    return path.resolve(opts.modelPath);
  }
  await mkdir(opts.downloadDir, { recursive: true });
  opts.log.info({ uri: opts.modelUri, dir: opts.downloadDir }, 'MODEL_PATH unset: resolving the default model (downloaded once)');
  try {
    await assertModelReachable(opts.modelUri);
    return await resolveModelFile(opts.modelUri, { directory: opts.downloadDir, cli: process.stdout.isTTY === true, verify: false });
  } catch (e) {
    throw new ModelUnavailableError(undefined,
      `MODEL_PATH is not set and the default model ${opts.modelUri} could not be downloaded (${(e as Error).message}). ` +
      'On an offline network, copy a GGUF file onto this machine and set MODEL_PATH to it.', { cause: e });
  }
}

/**
 * Fails fast when the model host cannot be reached: node-llama-cpp's downloader keeps retrying a
 * dead network for a long time (and ignores an abort signal), which on an offline site looks like a hang.
 */
export async function assertModelReachable(uri: string): Promise<void> {
  const probe = uri.startsWith('hf:') || uri.startsWith('huggingface:') ? (process.env.HF_ENDPOINT ?? 'https://huggingface.co/') : uri;
  if (!/^https?:\/\//.test(probe)) return;
  try {
    await fetch(probe, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new Error(`cannot reach ${new URL(probe).host}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
  }
}

/** Loads llama.cpp (prebuilt binaries only: never builds or downloads at run time) and the model. */
export async function loadModel(opts: LoadModelOptions): Promise<LoadedModel> {
  const modelPath = await resolveModelPath(opts);
  const llama = await getLlama({
    gpu: opts.gpu === 'false' ? false : opts.gpu,
    build: 'never',
    maxThreads: opts.threads,
    ...(opts.vramPaddingMb !== undefined ? { vramPadding: opts.vramPaddingMb * 1024 * 1024 } : {}),
    logLevel: LlamaLogLevel.error,
    logger: (level, message) => {
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) opts.log.error({ llama: message.trim() }, 'llama.cpp');
    },
  });
  try {
    const model = await llama.loadModel({ modelPath, gpuLayers: opts.gpuLayers ?? 'auto' });
    return { llama, model, modelPath };
  } catch (e) {
    await llama.dispose().catch(() => {});
    throw new ModelUnavailableError(modelPath, `MODEL_PATH: ${modelPath} is not a loadable GGUF model (${(e as Error).message})`, { cause: e });
  }
}
