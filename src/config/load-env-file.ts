import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Loads `.env` from the working directory (or the file ENV_FILE names) into the environment, if
 * there is one. Variables
 * exported in the shell win over the file (so `LOG_LEVEL=debug npm start` works with a `.env`).
 * The format is Node's (`KEY=value`, `#` comments, quotes), as in `node --env-file`.
 * Returns the file loaded, or null when there is none.
 */
export function loadEnvFile(file = path.resolve(process.env.ENV_FILE || '.env'), env: NodeJS.ProcessEnv = process.env): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  for (const [k, v] of Object.entries(parseEnv(text))) if (env[k] === undefined) env[k] = v;
  return file;
}

/** Whether the environment sets a variable (an empty value counts as unset, as everywhere in config). */
export function isEnvVarSet(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return env[name] !== undefined && env[name] !== '';
}
