import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../errors.js';
import type { Config } from './load-config.js';
import { loraVars } from './vars/lora.js';

/**
 * LORA_ADAPTERS as the settings file (ENV_FILE, default `.env`) sets it now, for a reload on
 * SIGHUP; `cfg`'s value when the file does not set it (or is gone). A bad value throws
 * {@link ConfigError}, and the caller keeps what is loaded.
 */
export function readLoraAdaptersNow(cfg: Pick<Config, 'LORA_ADAPTERS' | 'ENV_FILE'>, cwd = process.cwd()): Config['LORA_ADAPTERS'] {
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, cfg.ENV_FILE || '.env'), 'utf8');
  } catch {
    return cfg.LORA_ADAPTERS;
  }
  const raw = parseEnv(text).LORA_ADAPTERS;
  if (raw === undefined) return cfg.LORA_ADAPTERS;
  const res = loraVars.LORA_ADAPTERS.schema.safeParse(raw);
  if (!res.success) throw new ConfigError('LORA_ADAPTERS', `LORA_ADAPTERS: ${res.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(raw)})`);
  return res.data;
}
