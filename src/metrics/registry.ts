import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric the service exposes, in one place. Names follow Prometheus conventions
 * (`r1_` prefix, base units, `_total` counters). Labels are low-cardinality: never a user,
 * channel, message or job id.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'r1_' });
  const r = { registers: [registry] };
  // Gauges read at scrape time (queue depth, VRAM, GPU): providers register here.
  const collectors: Array<() => Promise<void> | void> = [];
  const collectAll = async () => {
    await Promise.all(collectors.map(async (c) => {
      try {
        await c();
      } catch {
        // A failing probe (Redis down, no GPU tools) leaves the last value; readiness reports the outage.
      }
    }));
  };
  let collecting: Promise<void> | undefined;
  /** One collection per scrape, shared by every gauge that triggers it. */
  const collectOnce = () => (collecting ??= collectAll().finally(() => setImmediate(() => (collecting = undefined))));
  return {
    /** Registers a function run at each scrape to refresh gauges. */
    addCollector: (fn: () => Promise<void> | void) => void collectors.push(fn),
    registry,
    httpRequests: new Counter({ name: 'r1_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'] as const, ...r }),
    eventsReceived: new Counter({ name: 'r1_events_received_total', help: 'Platform events received', labelNames: ['platform', 'kind'] as const, ...r }),
    eventsAcked: new Counter({ name: 'r1_events_acked_total', help: 'Platform events acknowledged, by outcome', labelNames: ['platform', 'kind', 'outcome'] as const, ...r }),
    ackSeconds: new Histogram({ name: 'r1_ack_seconds', help: 'Time from receiving an event to enqueueing it', labelNames: ['platform'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3], ...r }),
    jobs: new Counter({ name: 'r1_jobs_total', help: 'Jobs processed by queue and outcome', labelNames: ['queue', 'outcome'] as const, ...r }),
    jobWaitSeconds: new Histogram({ name: 'r1_job_wait_seconds', help: 'Time from event receipt to generation start', labelNames: ['queue'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], ...r }),
    generationSeconds: new Histogram({ name: 'r1_generation_seconds', help: 'Generation time per job, by LoRA adapter (`base` = none)', labelNames: ['adapter'] as const, buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], ...r }),
    timeToFirstTokenSeconds: new Histogram({ name: 'r1_time_to_first_token_seconds', help: 'Time from sequence acquired to first token, by LoRA adapter', labelNames: ['adapter'] as const, buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 0.8, 1, 2.5, 5, 10], ...r }),
    tokens: new Counter({ name: 'r1_generation_tokens_total', help: 'Tokens by kind (prompt, completion) and LoRA adapter', labelNames: ['kind', 'adapter'] as const, ...r }),
    tokensPerSecond: new Histogram({ name: 'r1_generation_tokens_per_second', help: 'Completion tokens/s per job, by LoRA adapter', labelNames: ['adapter'] as const, buckets: [1, 5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560], ...r }),
    batchSize: new Histogram({ name: 'r1_batch_size', help: 'Most sequences generating together during a job', buckets: [1, 2, 3, 4, 6, 8, 12, 16, 32, 64], ...r }),
    sequencesInUse: new Gauge({ name: 'r1_sequences_in_use', help: 'Context sequences generating now', ...r }),
    sequencesConfigured: new Gauge({ name: 'r1_sequences_configured', help: 'Context sequences configured (LLAMA_SEQUENCES)', ...r }),
    modelLoadSeconds: new Gauge({ name: 'r1_model_load_seconds', help: 'Time taken to load the model and create the context', ...r }),
    liveRelays: new Counter({ name: 'r1_live_relays_total', help: 'Live answers shown, by platform and how the relay ended', labelNames: ['platform', 'outcome'] as const, ...r }),
    deliveries: new Counter({ name: 'r1_deliveries_total', help: 'Replies delivered, by platform and outcome', labelNames: ['platform', 'outcome'] as const, ...r }),
    queueJobs: new Gauge({ name: 'r1_queue_jobs', help: 'Jobs in a queue by state (waiting, active, delayed, failed, prioritized)', labelNames: ['queue', 'state'] as const, ...r, collect: collectOnce }),
    vramBytes: new Gauge({ name: 'r1_vram_bytes', help: 'GPU memory (node-llama-cpp VRAM state) by kind: used, total', labelNames: ['kind'] as const, ...r, collect: collectOnce }),
    gpuUtilization: new Gauge({ name: 'r1_gpu_utilization_ratio', help: 'GPU utilisation 0–1 per GPU index (nvidia-smi, where present)', labelNames: ['gpu'] as const, ...r, collect: collectOnce }),
    ramBytes: new Gauge({ name: 'r1_ram_bytes', help: 'System RAM (node-llama-cpp RAM state) by kind: total, free', labelNames: ['kind'] as const, ...r, collect: collectOnce }),
    llamaMemoryBytes: new Gauge({ name: 'r1_llama_memory_bytes', help: 'Memory held by llama.cpp (model and context) by device: gpu, cpu', labelNames: ['device'] as const, ...r, collect: collectOnce }),
    memoryFragmentation: new Gauge({ name: 'r1_memory_fragmentation_ratio', help: 'Share of the reserved V8 heap not in use (heapTotal − heapUsed) / heapTotal', ...r, collect: collectOnce }),
    deliveryRetries: new Counter({ name: 'r1_delivery_retries_total', help: 'Delivery attempts after the first, by platform', labelNames: ['platform'] as const, ...r }),
    policyRefusals: new Counter({ name: 'r1_policy_refusals_total', help: 'Requests refused by the access policy, by platform and reason (tenant, channel, dm, command)', labelNames: ['platform', 'reason'] as const, ...r }),
    retentionRemoved: new Counter({ name: 'r1_retention_removed_total', help: 'Rows whose texts retention or erasure removed, by table and cause', labelNames: ['table', 'cause'] as const, ...r }),
    errors: new Counter({ name: 'r1_errors_total', help: 'Errors by kind', labelNames: ['kind'] as const, ...r }),
    retrievals: new Counter({ name: 'r1_retrievals_total', help: 'Chat answers by knowledge outcome (cited, no_match, model_only)', labelNames: ['outcome'] as const, ...r }),
    retrievalSeconds: new Histogram({ name: 'r1_retrieval_seconds', help: 'Time to find the knowledge for a question (bindings, full-text, vectors, web)', buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 3, 10], ...r }),
    engineErrors: new Counter({ name: 'r1_engine_errors_total', help: 'Failed requests to a remote engine (ENGINE=openai), by kind: connection, timeout, server, stream, rate_limited, refused', labelNames: ['kind'] as const, ...r }),
    engineBreakerState: new Gauge({ name: 'r1_engine_breaker_state', help: 'Remote engine circuit breaker: 0 closed (up), 1 half-open (probing), 2 open (down; jobs wait in the queue)', ...r }),
    engineRequestsInFlight: new Gauge({ name: 'r1_engine_requests_in_flight', help: 'Requests in flight to the engine (the remote engine batches them continuously)', ...r }),
    diagnoses: new Counter({ name: 'r1_diagnoses_total', help: 'Diagnoses generated, by outcome (answered, failed)', labelNames: ['outcome'] as const, ...r }),
    ocrImages: new Counter({ name: 'r1_ocr_images_total', help: 'Images attached to questions, by what became of them (read, unreadable)', labelNames: ['outcome'] as const, ...r }),
    ocrSeconds: new Histogram({ name: 'r1_ocr_seconds', help: 'Time to prepare and read one image (sharp + tesseract)', buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60], ...r }),
    diagnosisActions: new Counter({ name: 'r1_diagnosis_actions_total', help: 'Diagnosis buttons pressed (resolved, escalated, up, down)', labelNames: ['action'] as const, ...r }),
    feedback: new Counter({ name: 'r1_feedback_total', help: 'Votes and corrections recorded on answers', labelNames: ['platform', 'kind'] as const, ...r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The `adapter` label of the generation metrics: the LoRA adapter's name (bounded by
 * LORA_ADAPTERS), `base` for the base model.
 */
export const adapterLabel = (adapter: { name: string } | null | undefined): string => adapter?.name ?? 'base';
