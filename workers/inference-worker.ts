import { hostname } from 'node:os';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  CancelRegistry, InferenceEngine, publishWorkerStatus, type LlamaEmbedder, QUEUE_INFERENCE, createLivePublisher, createThoughtBudget, handleInferenceJobFailure, runInferenceJob, recordServiceTime,
  type Runtime, type InferenceDeps, type InferenceJobDeps,
} from '../src/index.js';
import { onWorkerError, readyUnlessRedisDown } from './worker-errors.js';
import { createKnowledge } from './knowledge.js';

/** How often a worker writes its status for the admin console (it expires after WORKER_STATUS_TTL_S). */
const WORKER_STATUS_INTERVAL_MS = 5000;

export interface InferenceWorkerHandle {
  engine: InferenceEngine;
  worker: Worker;
  /** The embedding model when EMBEDDING_MODEL_PATH is set (also serves `/v1/embeddings` in `ROLE=all`). */
  embedder?: LlamaEmbedder;
  /** Stops taking jobs and waits for in-flight ones; past `timeoutMs` they are handed back to the queue. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Loads the model and attaches a BullMQ worker whose concurrency equals the context's sequences,
 * so every job that runs holds a sequence and concurrent jobs are batched by llama.cpp.
 */
export async function startInferenceWorker(rt: Runtime, engineOverride?: InferenceEngine): Promise<InferenceWorkerHandle> {
  const { cfg, log, metrics } = rt;
  const engine = engineOverride ?? (await InferenceEngine.create({
    modelPath: cfg.MODEL_PATH,
    modelUri: cfg.MODEL_URI,
    downloadDir: `${cfg.DATA_DIR}/models`,
    threads: cfg.LLAMA_THREADS,
    sequences: cfg.LLAMA_SEQUENCES,
    contextSize: cfg.LLAMA_CONTEXT_SIZE,
    gpu: cfg.LLAMA_GPU,
    gpuLayers: cfg.LLAMA_GPU_LAYERS,
    vramPaddingMb: cfg.LLAMA_VRAM_PADDING_MB,
    minContextSize: cfg.LLAMA_MIN_CONTEXT_SIZE,
    loadTimeoutMs: cfg.MODEL_LOAD_TIMEOUT_MS,
  }, log));
  metrics.modelLoadSeconds.set(engine.loadMs / 1000);
  metrics.sequencesConfigured.set(engine.pool.size);
  const knowledge = await createKnowledge(rt);
  const cancel = await CancelRegistry.create(rt.redis, cfg.QUEUE_PREFIX, (e) => rt.redisError(e, 'cancel subscriber'));
  const deps: InferenceDeps = {
    db: rt.db, engine, queues: rt.queues, metrics, log,
    settings: { maxTokens: cfg.LLAMA_MAX_TOKENS, temperature: cfg.LLAMA_TEMPERATURE, historyMaxChars: cfg.HISTORY_MAX_CHARS, systemPrompt: cfg.SYSTEM_PROMPT },
    knowledge: knowledge.deps,
    live: {
      publisher: createLivePublisher(rt.redis, cfg.QUEUE_PREFIX),
      cancel,
      thoughtBudgetFor: createThoughtBudget(cfg.REASONING_BUDGET_TOKENS, cfg.REASONING_BUDGET_CHANNELS),
      onServiceTime: (s) => recordServiceTime(rt.redis, cfg.QUEUE_PREFIX, s, engine.pool.size),
    },
  };
  const jobDeps: InferenceJobDeps = {
    chat: deps,
    diagnosis: {
      db: rt.db, engine, queues: rt.queues, metrics, log, retriever: knowledge.deps.retriever,
      settings: {
        maxTokens: cfg.DIAGNOSIS_MAX_TOKENS, reasoningTokens: cfg.DIAGNOSIS_REASONING_TOKENS, temperature: cfg.LLAMA_TEMPERATURE,
        topK: cfg.DIAGNOSIS_TOP_K, contextMaxChars: cfg.DIAGNOSIS_CONTEXT_MAX_CHARS,
      },
    },
  };
  const worker = new Worker(
    QUEUE_INFERENCE,
    async (job: Job, _token?: string, signal?: AbortSignal) => {
      // The job left the waiting set: its channel's fairness place is freed (idempotent, by job id;
      // jobs removed before they start are pruned by the scheduler itself). Diagnoses hold none.
      if (job.data?.key && job.data.kind !== 'diagnose') {
        await rt.fair.release(job.data.key, job.id!).catch((e: Error) => log.warn({ jobId: job.id, err: e.message }, 'fair scheduler release failed; pruned at the next enqueue'));
      }
      try {
        const res = await runInferenceJob(jobDeps, job.id!, job.data, signal);
        metrics.jobs.inc({ queue: 'inference', outcome: res.status });
        return res;
      } catch (e) {
        const err = e as Error;
        const last = e instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        metrics.jobs.inc({ queue: 'inference', outcome: last ? 'failed' : 'retry' });
        metrics.errors.inc({ kind: 'inference' });
        log.error({ jobId: job.id, attempt: job.attemptsMade + 1, err: err.message }, 'inference job failed');
        if (last) {
          await handleInferenceJobFailure(jobDeps, job.id!, job.data, err).catch((fe) =>
            log.error({ jobId: job.id, err: (fe as Error).message }, 'failure handler could not enqueue the failure reply'));
        }
        throw e;
      }
    },
    {
      connection: rt.connection,
      prefix: cfg.QUEUE_PREFIX,
      concurrency: engine.pool.size,
      lockDuration: cfg.JOB_LOCK_MS,
      stalledInterval: Math.max(1000, Math.floor(cfg.JOB_LOCK_MS / 2)),
      maxStalledCount: 2,
    },
  );
  worker.on('error', onWorkerError(rt, 'inference worker'));
  await readyUnlessRedisDown(rt, worker);
  // What this worker runs, for the admin console's Overview (expires when the worker is gone).
  let sha256: string | null = null;
  engine.modelSha256.then((h) => (sha256 = h), () => undefined);
  const publishStatus = async () => {
    const vram = await engine.llama.getVramState().catch(() => null);
    await publishWorkerStatus(rt.redis, cfg.QUEUE_PREFIX, {
      host: hostname(), pid: process.pid, model: path.basename(engine.modelPath), modelSha256: sha256,
      engine: engine.llama.gpu === false ? 'cpu' : String(engine.llama.gpu), sequences: engine.pool.size, sequencesInUse: engine.pool.inUse,
      contextSize: engine.effective.contextSize, vram: vram && vram.total > 0 ? { used: vram.used, total: vram.total } : null, at: Date.now(),
    });
  };
  const statusTimer = setInterval(() => void publishStatus().catch(() => undefined), WORKER_STATUS_INTERVAL_MS);
  statusTimer.unref();
  void publishStatus().catch(() => undefined);
  let closing: Promise<void> | undefined;
  return {
    engine,
    worker,
    embedder: knowledge.embedder,
    close: (timeoutMs = Infinity) =>
      (closing ??= (async () => {
        clearInterval(statusTimer);
        const graceful = worker.close(); // stops fetching, waits for in-flight generations
        const timedOut = await Promise.race([
          graceful.then(() => false),
          new Promise<boolean>((r) => (Number.isFinite(timeoutMs) ? setTimeout(() => r(true), timeoutMs).unref() : undefined)),
        ]);
        if (timedOut) {
          // Abandon the locks: BullMQ's stalled-job check hands these jobs to another worker.
          log.warn({ active: engine.pool.inUse }, 'shutdown timeout: handing in-flight jobs back to the queue');
          await worker.close(true);
        }
        await knowledge.close();
        await cancel.close();
        if (!engineOverride) await engine.close();
      })()),
  };
}
