import { createRequire } from 'node:module';

let cached: string | undefined;

/** The engine that generates answers and its version, e.g. `node-llama-cpp@3.21.1`, for answer provenance. */
export function engineIdentity(): string {
  if (cached) return cached;
  try {
    const pkg = createRequire(import.meta.url)('node-llama-cpp/package.json') as { version?: string };
    cached = `node-llama-cpp@${pkg.version ?? 'unknown'}`;
  } catch {
    // the package's exports map may hide package.json: the name alone still identifies the engine
    cached = 'node-llama-cpp';
  }
  return cached;
}
