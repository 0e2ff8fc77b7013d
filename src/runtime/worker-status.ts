import type { Redis } from 'ioredis';

/** What an inference worker says about itself, for the admin console's Overview. */
export interface WorkerStatus {
  host: string;
  pid: number;
  /** Model file name, or the remote server's model id. */
  model: string;
  /** sha256 of the model file; null while it is still being computed, or for a remote engine. */
  modelSha256: string | null;
  /** Local engine: `cuda`, `vulkan`, `metal` or `cpu` (node-llama-cpp's GPU type); else the engine kind (`openai`). */
  engine: string;
  /** Generations that may run at once (sequences of the local engine). */
  sequences: number;
  sequencesInUse: number;
  /** Context size in tokens (local engine); null for a remote one. */
  contextSize: number | null;
  /** GPU memory used and total, in bytes, where the backend reports it. */
  vram: { used: number; total: number } | null;
  /** When this was written (ms since epoch). */
  at: number;
}

/** A worker's status is dropped this long after its last write (a worker that died disappears). */
export const WORKER_STATUS_TTL_S = 20;
const key = (prefix: string, id: string) => `${prefix}:worker-status:${id}`;

/** Writes one worker's status (called every few seconds by the inference worker). */
export async function publishWorkerStatus(redis: Redis, prefix: string, s: WorkerStatus): Promise<void> {
  await redis.set(key(prefix, `${s.host}:${s.pid}`), JSON.stringify(s), 'EX', WORKER_STATUS_TTL_S);
}

/** The statuses of the workers alive now (written within WORKER_STATUS_TTL_S), by host and pid. */
export async function listWorkerStatus(redis: Redis, prefix: string): Promise<WorkerStatus[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', key(prefix, '*'), 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (!keys.length) return [];
  const values = await redis.mget(...keys);
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as WorkerStatus).sort((a, b) => `${a.host}:${a.pid}`.localeCompare(`${b.host}:${b.pid}`));
}
