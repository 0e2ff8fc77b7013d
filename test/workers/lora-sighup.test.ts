import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindAdapter, createApiKey, createPgDb, migrate, type Db } from '../../src/index.js';
import { spawnService, until, type ChildService } from '../support/child-service.js';
import { writeLoraGguf } from '../support/lora-gguf.js';
import { mulberry32 } from '../support/seeded-random.js';
import { hasTestModel, NO_MODEL_REASON, SHARED_DIR, TEST_MODEL_PATH } from '../support/shared-assets.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';
import { createThrowawayDatabase } from '../support/test-database.js';

const LORA_TEST = path.join(SHARED_DIR, 'models', 'stories260K-lora-test.gguf');
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Another rank-2 delta on the tiny model's output projection (a valid adapter with other bytes). */
function writeAdapter(file: string, seed: number) {
  const rnd = mulberry32(seed);
  writeLoraGguf(file, {
    architecture: 'llama', name: `v${seed}`,
    pairs: [{ target: 'output.weight', a: Float32Array.from({ length: 2 * 64 }, () => (rnd() - 0.5) * 0.5), b: Float32Array.from({ length: 512 * 2 }, () => (rnd() - 0.5) * 4), nIn: 64, nOut: 512, rank: 2 }],
  });
}

/**
 * README "Reload without a restart": on SIGHUP the worker checks the adapter files and re-reads
 * LORA_ADAPTERS from the settings file (ENV_FILE). Proven on `npm start` (workers/main.ts, ROLE=all)
 * in a child process that gets a real SIGHUP, with the file poll off (LORA_WATCH_INTERVAL_MS=0), so
 * only the signal can make it reload: the next answer on the bound channel records the new sha256.
 */
describe.skipIf(!hasTestModel)('SIGHUP reloads the LoRA adapters of a running service (child process)', () => {
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let db: Db;
  let child: ChildService;
  let port = 0;
  let key = '';
  const dir = mkdtempSync(path.join(tmpdir(), 'r1-lora-sighup-'));
  const settings = path.join(dir, 'settings.env');
  const fileA = path.join(dir, 'a.gguf');
  const fileB = path.join(dir, 'b.gguf');
  const dataDir = path.join(dir, 'data');

  const ask = () => new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 })
    .chat.completions.create({ model: 'stories260K-r1-test', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 16 });
  /** The last answer's adapter, once delivered (the client may get the answer before the worker has saved it all). */
  const lastSha = async () => {
    const row = await until(async () => (await db.query<{ status: string; adapter: string | null; adapter_sha256: string | null }>(
      `SELECT status, adapter, adapter_sha256 FROM messages WHERE platform = 'api' ORDER BY id DESC LIMIT 1`)).rows.find((r) => r.status === 'delivered'), 10_000, 'the answer saved');
    return { adapter: row.adapter, adapter_sha256: row.adapter_sha256 };
  };
  const count = (re: RegExp) => child.output().match(new RegExp(re.source, 'g'))?.length ?? 0;
  /** Sends SIGHUP and waits for the worker's log line that ends the reload (or says why it did not). */
  const hangUp = async (done: RegExp) => {
    const failed = /SIGHUP: LoRA adapter reload failed/;
    const [before, failedBefore] = [count(done), count(failed)];
    child.proc.kill('SIGHUP');
    await until(async () => count(done) > before
      || (child.proc.exitCode !== null || count(failed) > failedBefore ? Promise.reject(new Error(child.output())) : false), 30_000, 'the SIGHUP reload');
  };

  beforeAll(async () => {
    copyFileSync(LORA_TEST, fileA);
    writeAdapter(fileB, 77);
    // Started without adapters, and with a DATA_DIR that does not exist yet.
    writeFileSync(settings, '# the settings file the service was started with: no LORA_ADAPTERS\n');
    database = await createThrowawayDatabase();
    db = await createPgDb({ connectionString: database.url });
    await migrate(db);
    key = (await createApiKey(db, 'tuned')).key;
    await bindAdapter(db, { platform: 'api', tenant: 'api', channel: 'tuned' }, 'test', 'cli:test');
    child = spawnService({
      ENV_FILE: settings, ROLE: 'all', PORT: '0', LOG_LEVEL: 'info', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueId('r1hup'), DATABASE_URL: database.url,
      DATA_DIR: dataDir, MODEL_PATH: TEST_MODEL_PATH, LLAMA_THREADS: '1', LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '1024',
      LLAMA_GPU: 'false', LLAMA_TEMPERATURE: '0', LLAMA_MAX_TOKENS: '16', API_KEYS: 'true', LORA_WATCH_INTERVAL_MS: '0',
    });
    const started = await until(async () => /"port":(\d+)[^\n]*r1-chatops started/.exec(child.output()) ?? (child.proc.exitCode !== null ? Promise.reject(new Error(child.output())) : null), 120_000, 'the service');
    port = Number(started[1]);
  }, 150_000);
  afterAll(async () => {
    if (child && child.proc.exitCode === null) {
      child.proc.kill('SIGTERM');
      await Promise.race([child.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    }
    await db?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an adapter added to the settings file, a new version of its file, the name re-pointed: each next answer records the new sha256; a bad value keeps what is loaded', async () => {
    // The channel is bound to `test`, which this worker does not load yet: the base model answers.
    await ask();
    expect(await lastSha()).toEqual({ adapter: null, adapter_sha256: null });
    writeFileSync(settings, `LORA_ADAPTERS=test=${fileA}\n`);
    await hangUp(/SIGHUP: LoRA adapters checked/);
    const v1 = sha256(fileA);
    await ask();
    expect(await lastSha()).toEqual({ adapter: 'test', adapter_sha256: v1 });

    // A new version over the same file. The poll is off: without the signal, nothing reloads.
    writeAdapter(fileA, 1602);
    const v2 = sha256(fileA);
    expect(v2).not.toBe(v1);
    await ask();
    expect((await lastSha())?.adapter_sha256).toBe(v1);
    await hangUp(/SIGHUP: LoRA adapters checked/);
    await ask();
    expect(await lastSha()).toEqual({ adapter: 'test', adapter_sha256: v2 });

    // The settings file now points the name at another file: re-read on SIGHUP (not only at start).
    writeFileSync(settings, `LORA_ADAPTERS=test=${fileB}:0.5\n`);
    await hangUp(/SIGHUP: LoRA adapters checked/);
    await ask();
    expect(await lastSha()).toEqual({ adapter: 'test', adapter_sha256: sha256(fileB) });

    // A value that does not parse: logged, the loaded adapter stays, the process keeps answering.
    writeFileSync(settings, 'LORA_ADAPTERS=Not An Entry\n');
    await hangUp(/SIGHUP: LORA_ADAPTERS in the settings file is invalid/);
    await ask();
    expect(await lastSha()).toEqual({ adapter: 'test', adapter_sha256: sha256(fileB) });
    expect(child.proc.exitCode).toBeNull();
  }, 120_000);
});

if (!hasTestModel) console.warn(NO_MODEL_REASON);
