import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { getLlama, LlamaLogLevel, readGgufFileInfo } from 'node-llama-cpp';
import type { Config } from '../config/index.js';
import { assertModelReachable, fileSha256 } from '../engine/index.js';
import { REDIS_INSTALL_HINT } from '../queue/index.js';
import { listMigrations, openDb } from '../storage/index.js';
import { runCheck, type CheckResult } from './check.js';

/**
 * Redis at REDIS_URL. With `embeddedDefault` (REDIS_URL unset) a dead 127.0.0.1:6379 is fine when a
 * `redis-server` binary is installed: start-up runs a private one under DATA_DIR/redis.
 */
export async function checkRedis(cfg: Config, embeddedDefault = false): Promise<CheckResult> {
  const r = await checkRedisAt(cfg);
  if (r.status !== 'fail' || !embeddedDefault) return r;
  const v = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  const version = /v=(\S+)/.exec(v.stdout ?? '')?.[1];
  if (v.status === 0) return { name: 'redis', status: 'ok', detail: `nothing on ${new URL(cfg.REDIS_URL).host}: npm start runs a private redis-server${version ? ` ${version}` : ''} under ${path.resolve(cfg.DATA_DIR, 'redis')}` };
  return { ...r, fix: REDIS_INSTALL_HINT };
}

function checkRedisAt(cfg: Config): Promise<CheckResult> {
  return runCheck('redis', async () => {
    const r = new Redis(cfg.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
    let lastError: Error | undefined;
    r.on('error', (e) => (lastError = e));
    try {
      await r.connect();
      const info = await r.info('server');
      return { status: 'ok', detail: `redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} at ${new URL(cfg.REDIS_URL).host}` };
    } catch (e) {
      return { status: 'fail', detail: `cannot reach ${new URL(cfg.REDIS_URL).host}: ${(lastError ?? (e as Error)).message}`, fix: 'start Redis or fix REDIS_URL' };
    } finally {
      r.disconnect();
    }
  });
}

export function checkDatabase(cfg: Config): Promise<CheckResult[]> {
  const where = cfg.DATABASE_URL ? `PostgreSQL at ${new URL(cfg.DATABASE_URL).host}` : `embedded PGlite in ${path.resolve(cfg.DATA_DIR)}`;
  return (async () => {
    let db;
    try {
      db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
      await db.query('SELECT 1');
    } catch (e) {
      return [{ name: 'database', status: 'fail' as const, detail: `${where}: ${(e as Error).message}`, fix: 'start PostgreSQL or fix DATABASE_URL' }];
    }
    try {
      const all = await listMigrations();
      const done = await db.query<{ version: number }>('SELECT version FROM schema_migrations').then((r) => new Set(r.rows.map((x) => Number(x.version)))).catch(() => new Set<number>());
      const pending = all.filter((m) => !done.has(m.version)).map((m) => m.name);
      return [
        { name: 'database', status: 'ok' as const, detail: `${where}${(await db.hasVector()) ? ', pgvector available' : ', no pgvector (full-text retrieval; vector search in memory)'}` },
        pending.length
          ? { name: 'migrations', status: 'warn' as const, detail: `${pending.length} pending: ${pending.join(', ')}`, fix: 'npm run migrate (also applied at start-up)' }
          : { name: 'migrations', status: 'ok' as const, detail: `${all.length} applied` },
      ];
    } finally {
      await db.close();
    }
  })();
}

export function checkModel(cfg: Config): Promise<CheckResult> {
  return runCheck('model', async () => {
    if (!cfg.MODEL_PATH) return checkModelDownload(cfg);
    let info;
    try {
      info = await readGgufFileInfo(cfg.MODEL_PATH, { readTensorInfo: false, logWarnings: false });
    } catch (e) {
      return { status: 'fail', detail: `${cfg.MODEL_PATH}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message}`, fix: 'set MODEL_PATH to a readable GGUF file' };
    }
    const md = info.metadata as unknown as { general?: { architecture?: string; name?: string }; tokenizer?: { chat_template?: string } };
    const template = md.tokenizer?.chat_template;
    const r1 = template?.includes('<｜Assistant｜>') ?? false;
    const sha = await fileSha256(cfg.MODEL_PATH);
    return {
      status: template ? 'ok' : 'warn',
      detail: `${path.basename(cfg.MODEL_PATH)} arch=${md.general?.architecture ?? '?'} name="${md.general?.name ?? '?'}" chat template=${template ? (r1 ? 'DeepSeek-R1' : 'present') : 'none'} sha256=${sha.slice(0, 16)}…`,
      fix: template ? undefined : 'the file has no chat template: node-llama-cpp will guess the wrapper from the file name',
    };
  }, 600_000);
}

/**
 * MODEL_PATH unset: start-up uses a model cached in DATA_DIR/models or downloads MODEL_URI. Fails
 * when neither can work (nothing cached, the download host unreachable): `npm start` would exit 1.
 */
async function checkModelDownload(cfg: Config): Promise<Omit<CheckResult, 'name'>> {
  const dir = path.resolve(cfg.DATA_DIR, 'models');
  const cached = await readdir(dir).then((fs) => fs.filter((f) => f.toLowerCase().endsWith('.gguf')), () => []);
  if (cached.length) return { status: 'ok', detail: `MODEL_PATH unset: using ${cached[0]} cached in ${dir}` };
  try {
    await assertModelReachable(cfg.MODEL_URI);
  } catch (e) {
    return {
      status: 'fail',
      detail: `MODEL_PATH unset, no model cached in ${dir}, and ${cfg.MODEL_URI} cannot be downloaded (${(e as Error).message})`,
      fix: 'copy a GGUF file onto this machine and set MODEL_PATH to it (to try things out, a small one: see "Try it locally" in the README)',
    };
  }
  return { status: 'warn', detail: `MODEL_PATH unset: ${cfg.MODEL_URI} will be downloaded into ${dir} on first start`, fix: 'on an offline network, copy a GGUF file in and set MODEL_PATH' };
}

export function checkGpu(cfg: Config): Promise<CheckResult> {
  return runCheck('gpu', async () => {
    if (cfg.LLAMA_GPU === 'false') return { status: 'skip', detail: 'LLAMA_GPU=false: CPU only' };
    const llama = await getLlama({ gpu: cfg.LLAMA_GPU, build: 'never', maxThreads: cfg.LLAMA_THREADS, logLevel: LlamaLogLevel.error });
    try {
      if (!llama.gpu) return { status: cfg.LLAMA_GPU === 'auto' ? 'warn' : 'fail', detail: `no GPU backend found (LLAMA_GPU=${cfg.LLAMA_GPU}); running on CPU with ${cfg.LLAMA_THREADS} threads`, fix: 'install the NVIDIA driver/CUDA runtime, or use the CUDA image' };
      const v = await llama.getVramState();
      return { status: 'ok', detail: `${llama.gpu}: ${(v.free / 2 ** 30).toFixed(1)} GiB free of ${(v.total / 2 ** 30).toFixed(1)} GiB; devices: ${(await llama.getGpuDeviceNames()).join(', ')}` };
    } finally {
      await llama.dispose();
    }
  }, 60_000);
}
