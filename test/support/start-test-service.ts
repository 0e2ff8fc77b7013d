import type { Config, Db } from '../../src/index.js';
import { startService, type Service, type StartServiceOptions } from '../../workers/service.js';
import { getTestEngine } from './test-engine.js';

/** Starts the whole service in-process on a random port, with a shared test engine. */
export async function startTestService(cfg: Config, db: Db, extra: Pick<StartServiceOptions, 'ocrReader'> = {}): Promise<Service & { baseUrl: string }> {
  const engine = cfg.ROLE === 'adapters' ? undefined : await getTestEngine(cfg.LLAMA_SEQUENCES, cfg.LLAMA_CONTEXT_SIZE);
  const svc = await startService(cfg, { db, engine, host: '127.0.0.1', ...extra });
  return Object.assign(svc, { baseUrl: `http://127.0.0.1:${svc.port}` });
}
