import { hostname } from 'node:os';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  CancelRegistry, EngineRequestError, publishWorkerStatus, InferenceEngine, type Engine, type ModelIdentity, type LlamaEmbedder, isDelayedError, rescheduleOnRateLimit, watchAdapters, readLoraAdaptersNow, QUEUE_INFERENCE, createLivePublisher, createThoughtBudget, handleInferenceJobFailure, runInferenceJob, recordServiceTime,
  type Runtime, type InferenceDeps, type InferenceJobDeps,
} from '../src/index.js';
import { onWorkerError, readyUnlessRedisDown } from './worker-errors.js';
import { createKnowledge } from './knowledge.js';
import { createEngine } from './create-engine.js';

/** How often a worker writes its status for the admin console (it expires after WORKER_STATUS_TTL_S). */
const WORKER_STATUS_INTERVAL_MS = 5000;

export interface InferenceWorkerHandle {
  engine: Engine;
  worker: Worker;
  /** The embedding model when EMBEDDING_MODEL_PATH is set (also serves `/v1/embeddings` in `ROLE=all`). */
  embedder?: LlamaEmbedder;
  /** Stops taking jobs and waits for in-flight ones; past `timeoutMs` they are handed back to the queue. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Builds the engine named by ENGINE and attaches a BullMQ worker whose concurrency equals the
 * engine's (the local engine's sequences, so every job holds one and llama.cpp batches them; a
 * remote engine's ENGINE_MAX_CONCURRENCY, which it batches continuously).
 */
export async function startInferenceWorker(rt: Runtime, engineOverride?: Engine): Promise<InferenceWorkerHandle> {
  const { cfg, log, metrics } = rt;
  const engine = engineOverride ?? (await createEngine(rt));
  metrics.modelLoadSeconds.set(engine.loadMs / 1000);
  metrics.sequencesConfigured.set(engine.concurrency);
  const knowledge = await createKnowledge(rt, engine);
  const cancel = await CancelRegistry.create(rt.redis, cfg.QUEUE_PREFIX, (e) => rt.redisError(e, 'cancel subscriber'));
  // One publisher for chat answers and diagnoses: the web chat follows both.
  const publisher = createLivePublisher(rt.redis, cfg.QUEUE_PREFIX);
  const deps: InferenceDeps = {
    db: rt.db, engine, queues: rt.queues, metrics, log,
    settings: { maxTokens: cfg.LLAMA_MAX_TOKENS, temperature: cfg.LLAMA_TEMPERATURE, historyMaxChars: cfg.HISTORY_MAX_CHARS, systemPrompt: cfg.SYSTEM_PROMPT },
    knowledge: knowledge.deps,
    live: {
      publisher,
      cancel,
      thoughtBudgetFor: createThoughtBudget(cfg.REASONING_BUDGET_TOKENS, cfg.REASONING_BUDGET_CHANNELS),
      onServiceTime: (s) => recordServiceTime(rt.redis, cfg.QUEUE_PREFIX, s, engine.concurrency),
    },
  };
  const jobDeps: InferenceJobDeps = {
    chat: deps,
    diagnosis: {
      db: rt.db, engine, queues: rt.queues, metrics, log, retriever: knowledge.deps.retriever, live: { publisher },
      settings: {
        maxTokens: cfg.DIAGNOSIS_MAX_TOKENS, reasoningTokens: cfg.DIAGNOSIS_REASONING_TOKENS, temperature: cfg.LLAMA_TEMPERATURE,
        topK: cfg.DIAGNOSIS_TOP_K, contextMaxChars: cfg.DIAGNOSIS_CONTEXT_MAX_CHARS,
      },
    },
  };
  const worker = new Worker(
    QUEUE_INFERENCE,
    async (job: Job, token?: string, signal?: AbortSignal) => {
      // The job left the waiting set: its channel's fairness place is freed (idempotent, by job id;
      // jobs removed before they start are pruned by the scheduler itself). Diagnoses hold none.
      if (job.data?.key && job.data.kind !== 'diagnose') {
        await rt.fair.release(job.data.key, job.id!).catch((e: Error) => log.warn({ jobId: job.id, err: e.message }, 'fair scheduler release failed; pruned at the next enqueue'));
      }
      metrics.engineRequestsInFlight.set(engine.inFlight + 1);
      try {
        const res = await runInferenceJob(jobDeps, job.id!, job.data, signal);
        metrics.jobs.inc({ queue: 'inference', outcome: res.status });
        return res;
      } catch (caught) {
        // The engine asked for time (429 Retry-After) or is down (breaker open): the job goes back
        // to the queue for that long without spending an attempt.
        try {
          await rescheduleOnRateLimit(job, token, caught);
        } catch (delayed) {
          if (!isDelayedError(delayed)) throw delayed;
          metrics.jobs.inc({ queue: 'inference', outcome: 'delayed' });
          log.info({ jobId: job.id, err: (caught as Error).message }, 'inference job waits for the engine');
          throw delayed;
        }
        // The engine refused the request itself (unknown model, bad parameter): retrying cannot help.
        const e = caught instanceof EngineRequestError ? new UnrecoverableError(caught.message) : caught;
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
      concurrency: engine.concurrency,
      lockDuration: cfg.JOB_LOCK_MS,
      stalledInterval: Math.max(1000, Math.floor(cfg.JOB_LOCK_MS / 2)),
      maxStalledCount: 2,
    },
  );
  worker.on('error', onWorkerError(rt, 'inference worker'));
  worker.on('completed', () => metrics.engineRequestsInFlight.set(engine.inFlight));
  worker.on('failed', () => metrics.engineRequestsInFlight.set(engine.inFlight));
  // A remote engine that is down: stop taking jobs (they wait in the queue, in order) until its
  // circuit breaker's probe finds it up again; jobs already running finish or are delayed.
  const unwatch = engine.health?.onChange((state) => {
    metrics.engineBreakerState.set(state === 'up' ? 0 : state === 'probing' ? 1 : 2);
    if (state === 'down') void worker.pause(true).catch((e: Error) => log.warn({ err: e.message }, 'could not pause the inference worker'));
    else if (state === 'up') void worker.resume().catch((e: Error) => log.warn({ err: e.message }, 'could not resume the inference worker'));
  });
  if (engine.health) metrics.engineBreakerState.set(0);
  const adapters = engine instanceof InferenceEngine ? watchLoraAdapters(rt, engine, worker, !engineOverride) : undefined;
  await readyUnlessRedisDown(rt, worker);
  // What this worker runs, for the admin console's Overview (expires when the worker is gone).
  let identity: ModelIdentity | null = null;
  engine.modelIdentity.then((m) => (identity = m), () => undefined);
  const publishStatus = async () => {
    const local = engine instanceof InferenceEngine ? engine : undefined;
    const vram = local ? await local.llama.getVramState().catch(() => null) : null;
    await publishWorkerStatus(rt.redis, cfg.QUEUE_PREFIX, {
      host: hostname(), pid: process.pid, model: identity?.id ?? (local ? path.basename(local.modelPath) : 'loading…'), modelSha256: identity?.sha256 ?? null,
      engine: local ? (local.llama.gpu === false ? 'cpu' : String(local.llama.gpu)) : engine.kind, sequences: engine.concurrency, sequencesInUse: engine.inFlight,
      contextSize: local?.effective.contextSize ?? null, vram: vram && vram.total > 0 ? { used: vram.used, total: vram.total } : null, at: Date.now(),
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
        adapters?.close();
        const graceful = worker.close(); // stops fetching, waits for in-flight generations
        const timedOut = await Promise.race([
          graceful.then(() => false),
          new Promise<boolean>((r) => (Number.isFinite(timeoutMs) ? setTimeout(() => r(true), timeoutMs).unref() : undefined)),
        ]);
        if (timedOut) {
          // Abandon the locks: BullMQ's stalled-job check hands these jobs to another worker.
          log.warn({ active: engine.inFlight }, 'shutdown timeout: handing in-flight jobs back to the queue');
          await worker.close(true);
        }
        unwatch?.();
        await knowledge.close();
        await cancel.close();
        if (!engineOverride) await engine.close();
      })()),
  };
}

/**
 * New adapter versions load without a restart: the files are polled (LORA_WATCH_INTERVAL_MS), and
 * SIGHUP checks them and re-reads LORA_ADAPTERS from the settings file. The worker's concurrency
 * follows the sequences of the adapters loaded.
 */
function watchLoraAdapters(rt: Runtime, engine: InferenceEngine, worker: Worker, onSighup: boolean): { close: () => void } {
  const { cfg, log, metrics } = rt;
  const follow = () => {
    worker.concurrency = engine.concurrency;
    metrics.sequencesConfigured.set(engine.concurrency);
  };
  const watch = watchAdapters({ reload: () => engine.reloadAdapters(), intervalMs: cfg.LORA_WATCH_INTERVAL_MS, log, onChange: follow });
  const onHup = () => {
    let specs;
    try {
      specs = readLoraAdaptersNow(cfg);
    } catch (e) {
      log.error({ err: (e as Error).message }, 'SIGHUP: LORA_ADAPTERS in the settings file is invalid; the loaded adapters stay');
      return;
    }
    engine.reloadAdapters(specs).then((res) => {
      follow();
      log.info({ adapters: res }, 'SIGHUP: LoRA adapters checked');
    }, (e: Error) => log.error({ err: e.message }, 'SIGHUP: LoRA adapter reload failed'));
  };
  if (onSighup) process.on('SIGHUP', onHup);
  return {
    close: () => {
      watch.close();
      process.off('SIGHUP', onHup);
    },
  };
}
