import path from 'node:path';
import type { Config } from '../../src/index.js';

/**
 * The id `/v1/models` shows and `model` must name: `MODEL_ALIAS`, else the model file name without
 * `.gguf`, else (downloaded default) the last part of `MODEL_URI`.
 */
export function apiModelId(cfg: Pick<Config, 'MODEL_ALIAS' | 'MODEL_PATH' | 'MODEL_URI'>): string {
  if (cfg.MODEL_ALIAS) return cfg.MODEL_ALIAS;
  if (cfg.MODEL_PATH) return path.basename(cfg.MODEL_PATH).replace(/\.gguf$/i, '');
  return cfg.MODEL_URI.split('/').pop()!.replace(/\.gguf$/i, '');
}
