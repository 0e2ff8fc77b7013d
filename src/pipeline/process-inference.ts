import { UnrecoverableError } from 'bullmq';
import type { Engine } from '../engine/index.js';
import { inferenceJobSchema, deliveryJobId, JOB_DELIVER, type InferenceJob, type InferenceJobResult } from '../jobs/index.js';
import type { Logger } from '../log/logger.js';
import { withText } from '../log/logger.js';
import { adapterLabel, type Metrics } from '../metrics/index.js';
import { buildRagPrompt, systemPromptSha256, toPromptMessages, type BuiltPrompt, type RagPromptInput } from '../prompts/index.js';
import { fitRagPrompt } from './fit-prompt.js';
import type { QueueSet } from '../queue/index.js';
import { knowledgeForQuestion, stripInvalidCitations, type AnswerKnowledge, type AnswerKnowledgeDeps } from '../rag/index.js';
import type { CancelRegistry, createLivePublisher } from '../live/index.js';
import { failMessage, finishMessage, recordMessageAdapter, recordMessageKnowledge, saveMessagePrompt, startMessage, type Db } from '../storage/index.js';
import { unstoredMessageId } from '../delivery/unstored-reply.js';
import { recordAnswerProvenance } from './record-answer-provenance.js';
import { listImages } from '../images/image-store.js';
import { toImageReading, type ImageReading } from '../images/image-text.js';

export interface InferenceSettings {
  maxTokens: number;
  temperature: number;
  historyMaxChars: number;
  systemPrompt?: string;
}

export interface InferenceDeps {
  db: Db;
  engine: Engine;
  queues: QueueSet;
  metrics: Metrics;
  log: Logger;
  settings: InferenceSettings;
  /**
   * Per-channel knowledge (RAG). When set, chat answers draw on the scopes bound to the job's
   * channel and cite them; without it every answer is model-only and unmarked.
   */
  knowledge?: Omit<AnswerKnowledgeDeps, 'db'>;
  /** Live answers: progress events, cancellation and the reasoning budget. */
  live?: LiveDeps;
}

export interface LiveDeps {
  publisher: ReturnType<typeof createLivePublisher>;
  cancel: CancelRegistry;
  /** Thinking-token budget for a conversation's channel (undefined = none). */
  thoughtBudgetFor: (key: InferenceJob['key']) => number | undefined;
  onServiceTime?: (seconds: number) => Promise<void>;
}

/** Parses a job payload against the contract; a mismatch is permanent (never retried). */
export function parseInferenceJob(data: unknown): InferenceJob {
  const parsed = inferenceJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`invalid inference job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * Runs one inference job: records it in the message log, generates with the shared context,
 * stores answer and reasoning apart, and hands the reply to the platform's delivery queue.
 * A job re-run after a crash that had already finished only re-enqueues its (idempotent) delivery.
 */
export async function processInference(deps: InferenceDeps, jobId: string, data: unknown, signal?: AbortSignal): Promise<InferenceJobResult> {
  const job = parseInferenceJob(data);
  const row = await startMessage(deps.db, { jobId, key: job.key, userId: job.user.id, kind: job.kind, question: job.text });
  if (row.status !== 'generating') {
    // The attempt that saved this answer may have died before it ended the live stream: end it now,
    // with the saved status, so a follower (an API stream, a live relay) ends on the answer it was
    // shown, never a regenerated one. A second end event is harmless: followers stop at the first.
    await deps.live?.publisher(jobId).end(row.status === 'stopped' || row.status === 'failed' ? row.status : 'answered');
    await enqueueDelivery(deps, row.id, job);
    return { messageId: row.id, status: 'duplicate', completionTokens: row.completionTokens ?? 0 };
  }
  deps.metrics.jobWaitSeconds.observe({ queue: 'inference' }, Math.max(0, Date.now() - job.source.receivedAt) / 1000);
  // What the OCR job read from the question's images (it ran before this job was enqueued).
  const images: ImageReading[] = job.images ? (await listImages(deps.db, jobId)).map(toImageReading) : [];
  const imageText = images.map((i) => i.text).filter(Boolean).join('\n');
  let kn: AnswerKnowledge | undefined;
  if (deps.knowledge && job.kind === 'chat') {
    const t0 = performance.now();
    // The panel's text (a fault code) finds the manual section as well as the question does.
    kn = await knowledgeForQuestion({ ...deps.knowledge, db: deps.db }, job.key, imageText ? `${job.text}\n${imageText}` : job.text, job.history);
    deps.metrics.retrievalSeconds.observe((performance.now() - t0) / 1000);
    deps.metrics.retrievals.inc({ outcome: kn.status });
  }
  const promptInput: RagPromptInput = {
    question: job.text, history: job.history, historyMaxChars: deps.settings.historyMaxChars, systemPrompt: job.options?.systemPrompt ?? deps.settings.systemPrompt,
    images,
    knowledge: kn?.status === 'cited'
      ? { status: 'cited', sources: kn.sources.map((s, i) => ({ ...s, text: kn!.chunks[i]!.text })) }
      : { status: kn?.status ?? 'model_only' },
  };
  // The asker may ask for less than the server allows, never more.
  let maxTokens = Math.min(job.options?.maxTokens ?? deps.settings.maxTokens, deps.settings.maxTokens);
  let prompt: BuiltPrompt;
  const { sequenceContextSize, countPromptTokens } = deps.engine;
  if (sequenceContextSize !== undefined && countPromptTokens) {
    // The local engine: the prompt fits one sequence with room for the answer (oldest history,
    // then a shorter answer budget, then lowest-ranked sources), so the answer never needs a context shift.
    const fitted = fitRagPrompt(promptInput, { contextSize: sequenceContextSize, maxTokens, count: (c, q) => countPromptTokens.call(deps.engine, c, q) });
    if (fitted.droppedHistoryForTokens || (kn && fitted.keptSources < kn.sources.length) || fitted.maxTokens < maxTokens) {
      deps.log.debug({
        jobId, contextSize: sequenceContextSize, promptTokens: fitted.promptTokens, historyDropped: fitted.droppedHistoryForTokens, historyKept: job.history.length - fitted.droppedHistory,
        sourcesDropped: kn ? kn.sources.length - fitted.keptSources : 0, maxTokens, answerBudget: fitted.maxTokens,
      }, 'prompt trimmed to fit the context');
    }
    if (kn && fitted.keptSources < kn.sources.length) {
      kn = { ...kn, status: fitted.keptSources === 0 ? 'model_only' : kn.status, chunks: kn.chunks.slice(0, fitted.keptSources), sources: kn.sources.slice(0, fitted.keptSources) };
    }
    maxTokens = fitted.maxTokens;
    prompt = fitted;
  } else {
    prompt = buildRagPrompt(promptInput);
  }
  // The sources the model was given (after any trimming for the context).
  if (kn) await recordMessageKnowledge(deps.db, row.id, kn.status, kn.sources);
  // The exact messages the model is given, kept with the answer (datasets train on these).
  await saveMessagePrompt(deps.db, row.id, { messages: toPromptMessages(prompt), systemPromptSha256: systemPromptSha256(prompt), droppedHistory: prompt.droppedHistory });
  deps.metrics.sequencesInUse.set(deps.engine.inFlight + 1);
  // Live: a Stop button (or a deleted question) aborts through the cancel registry.
  const tracked = deps.live ? await deps.live.cancel.track(jobId) : undefined;
  const pub = deps.live?.publisher(jobId);
  const signals = [signal, tracked?.signal].filter((x): x is AbortSignal => x !== undefined);
  let res;
  try {
    // The live text drops the citations the stored answer will drop (stripInvalidCitations below).
    await pub?.started(kn && !job.options?.jsonSchema ? kn.sources.length : undefined);
    res = await deps.engine.generate({
      context: prompt.context,
      question: prompt.question,
      maxTokens,
      temperature: job.options?.temperature ?? deps.settings.temperature,
      signal: signals.length ? AbortSignal.any(signals) : undefined,
      thoughtBudget: deps.live?.thoughtBudgetFor(job.key),
      onChunk: pub ? (c) => pub.chunk(c.kind, c.text) : undefined,
      adapter: job.adapter,
      // An API client's response_format json_schema: decoding is constrained to it.
      jsonSchema: job.options?.jsonSchema,
    });
  } finally {
    tracked?.done();
    deps.metrics.sequencesInUse.set(deps.engine.inFlight);
  }
  await deps.live?.onServiceTime?.(res.timings.totalMs / 1000).catch(() => {});
  const model = await deps.engine.modelIdentity;
  await finishMessage(deps.db, row.id, {
    // A citation that points at no source given to the model is removed, never shown.
    // (Not in a JSON answer: it is the client's data, in the shape it asked for.)
    answer: kn && !job.options?.jsonSchema ? stripInvalidCitations(res.answer, kn.sources.length) : res.answer,
    reasoning: res.reasoning,
    status: res.stopped ? 'stopped' : 'answered',
    modelSha256: model.sha256,
    modelId: `${model.engine}:${model.id}`,
    promptTokens: res.promptTokens,
    completionTokens: res.completionTokens,
    timings: { ...res.timings, batchPeak: res.batchPeak, reasoningTokens: res.reasoningTokens, queueWaitMs: Math.max(0, Date.now() - job.source.receivedAt - res.timings.totalMs) },
  });
  await recordMessageAdapter(deps.db, row.id, res.adapter ?? null);
  await recordAnswerProvenance(deps.db, row.id, {
    promptSha256: systemPromptSha256(prompt), model, adapter: res.adapter ?? null,
    chunks: kn?.status === 'cited' ? kn.chunks : [], sources: kn?.status === 'cited' ? kn.sources : [],
  });
  // The live stream ends only once the answer is saved (with its adapter and provenance): a worker
  // that dies before this point leaves no end event, so its retry's answer is the one followers end
  // on; one that dies after it is retried into the duplicate path above, which regenerates nothing.
  await pub?.end(res.stopped ? 'stopped' : 'answered');
  const m = deps.metrics;
  const adapter = adapterLabel(res.adapter);
  m.generationSeconds.observe({ adapter }, res.timings.totalMs / 1000);
  if (res.timings.firstTokenMs !== null) m.timeToFirstTokenSeconds.observe({ adapter }, res.timings.firstTokenMs / 1000);
  m.tokens.inc({ kind: 'prompt', adapter }, res.promptTokens);
  m.tokens.inc({ kind: 'completion', adapter }, res.completionTokens);
  if (res.timings.totalMs > 0) m.tokensPerSecond.observe({ adapter }, res.completionTokens / (res.timings.totalMs / 1000));
  m.batchSize.observe(res.batchPeak);
  deps.log.info(withText(deps.log, { messageId: row.id, jobId, completionTokens: res.completionTokens, ms: Math.round(res.timings.totalMs), batchPeak: res.batchPeak }, { answer: res.answer }), 'answer generated');
  await enqueueDelivery(deps, row.id, job);
  return { messageId: row.id, status: res.stopped ? 'stopped' : 'answered', completionTokens: res.completionTokens };
}

/**
 * After the last attempt failed: store what can be stored and always tell the user (a short
 * threaded failure reply), so nothing is silently lost. When the message log cannot be written,
 * the failure reply is delivered without it (see `unstoredMessageId`).
 */
export async function handleInferenceFailure(deps: Pick<InferenceDeps, 'db' | 'queues' | 'log' | 'live'>, jobId: string, data: unknown, error: Error): Promise<void> {
  // A live answer ends here (an attempt that fails but will be retried keeps its relay waiting).
  await deps.live?.publisher(jobId).end('failed').catch((e) => deps.log.warn({ jobId, err: (e as Error).message }, 'could not end the live answer'));
  let job: InferenceJob;
  try {
    job = parseInferenceJob(data);
  } catch {
    // No valid reply target: there is no one to tell.
    deps.log.error({ jobId, err: error.message }, 'invalid job dropped');
    return;
  }
  let messageId: string;
  try {
    const row = await startMessage(deps.db, { jobId, key: job.key, userId: job.user.id, kind: job.kind, question: job.text });
    await failMessage(deps.db, row.id, error.message);
    messageId = row.id;
  } catch (e) {
    deps.log.error({ jobId, err: (e as Error).message }, 'could not record the failed job; sending the failure reply without the message log');
    messageId = unstoredMessageId(jobId);
  }
  await enqueueDelivery(deps, messageId, job);
}

async function enqueueDelivery(deps: Pick<InferenceDeps, 'queues'>, messageId: string, job: InferenceJob): Promise<void> {
  await deps.queues.deliveryFor(job.key.platform).add(
    JOB_DELIVER,
    { v: 1, messageId, key: job.key, reply: job.reply },
    { jobId: deliveryJobId(messageId), attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 86400 }, removeOnFail: { age: 7 * 86400 } },
  );
}
