import { UnrecoverableError } from 'bullmq';
import {
  diagnosisAnswerSchema, diagnosisJsonSchema, diagnosisMarkdown, diagnosisResultSchema, failDiagnosis, findAsset, findFaultCode, finishDiagnosis,
  startDiagnosis, type DiagnosisAnswer, type DiagnosisResult,
} from '../diagnosis/index.js';
import type { GenerateResult, Engine } from '../engine/index.js';
import { deliveryJobId, diagnosisJobSchema, JOB_DELIVER, type DiagnosisJob, type InferenceJobResult } from '../jobs/index.js';
import { unstoredMessageId } from '../delivery/unstored-reply.js';
import type { Logger } from '../log/logger.js';
import { withText } from '../log/logger.js';
import { adapterLabel, type Metrics } from '../metrics/index.js';
import { buildDiagnosisDraftPrompt, buildDiagnosisJsonFollowUp, buildDiagnosisPrompt, systemPromptSha256, type DiagnosisPromptInput } from '../prompts/index.js';
import type { QueueSet } from '../queue/index.js';
import { channelKnowledge, toSourceRefs, type RetrievedChunk, type Retriever } from '../rag/index.js';
import { failMessage, finishMessage, recordMessageAdapter, startMessage, type Db } from '../storage/index.js';
import { recordAnswerProvenance } from './record-answer-provenance.js';
import type { LiveDeps } from './process-inference.js';

export interface DiagnosisSettings {
  /** DIAGNOSIS_MAX_TOKENS: the structured (JSON) step. */
  maxTokens: number;
  /** DIAGNOSIS_REASONING_TOKENS: the free reasoning step before it; 0 = JSON only. */
  reasoningTokens: number;
  temperature: number;
  /** DIAGNOSIS_TOP_K. */
  topK: number;
  /** DIAGNOSIS_CONTEXT_MAX_CHARS. */
  contextMaxChars: number;
  systemPrompt?: string;
}

export interface DiagnosisDeps {
  db: Db;
  engine: Engine;
  queues: QueueSet;
  metrics: Metrics;
  log: Logger;
  settings: DiagnosisSettings;
  /** Searches the asset's scope and the channel's scopes. Without it the model diagnoses alone. */
  retriever?: Retriever;
  /**
   * Live progress for a surface that follows the job (the web chat): `started`, the free reasoning
   * as `thought`, then `end`. The structured (JSON) step is not streamed; the stored result is shown.
   */
  live?: Pick<LiveDeps, 'publisher'>;
}

/** Parses a diagnosis payload against the contract; a mismatch is permanent (never retried). */
export function parseDiagnosisJob(data: unknown): DiagnosisJob {
  const parsed = diagnosisJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`invalid diagnosis job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

const RANK = { high: 0, medium: 1, low: 2 } as const;

/** Ranks causes by likelihood (stable: the model's order within a level) and tidies citations. */
export function normalizeAnswer(a: DiagnosisAnswer): DiagnosisAnswer {
  const causes = a.causes
    .map((c, i) => ({ c, i }))
    .sort((x, y) => RANK[x.c.likelihood] - RANK[y.c.likelihood] || x.i - y.i)
    .map(({ c }) => ({ ...c, cause: c.cause.trim(), evidence: [...new Set(c.evidence)].sort((p, q) => p - q) }));
  return { ...a, safety: a.safety.map((s) => s.trim()), causes, checks: a.checks.map((c) => ({ step: c.step.trim(), expect: c.expect.trim() })), parts: a.parts.map((p) => p.trim()) };
}

/** The model's JSON → the answer, checked against the same zod schema the grammar came from. */
export function parseDiagnosisAnswer(text: string, sourceCount: number): DiagnosisAnswer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`diagnosis output is not JSON (${(e as Error).message}); was it cut off by DIAGNOSIS_MAX_TOKENS?`);
  }
  const res = diagnosisAnswerSchema.safeParse(json);
  if (!res.success) throw new Error(`diagnosis output does not match the schema: ${res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  for (const c of res.data.causes) {
    if (c.evidence.some((n) => n > sourceCount)) throw new Error(`diagnosis cites a section that was not given (${sourceCount} sections)`);
  }
  return normalizeAnswer(res.data);
}

async function retrieve(deps: DiagnosisDeps, job: DiagnosisJob, scopes: string[], query: string): Promise<RetrievedChunk[]> {
  if (!deps.retriever || scopes.length === 0) return [];
  const t0 = performance.now();
  const chunks = await deps.retriever.retrieve({ scopes, query, k: deps.settings.topK, maxChars: deps.settings.contextMaxChars });
  deps.metrics.retrievalSeconds.observe((performance.now() - t0) / 1000);
  deps.log.debug({ scopes, chunks: chunks.length, channel: job.key.channel }, 'diagnosis retrieval');
  return chunks;
}

/**
 * Runs one diagnosis: looks up the asset and the fault code's catalogue meaning, retrieves from the
 * asset's scope plus the channel's scopes, lets the model reason (optional), then generates the
 * structured answer under the JSON-schema grammar, validates it with the same zod schema, stores
 * it (message log + diagnoses) and hands it to the platform's delivery queue.
 */
export async function processDiagnosis(deps: DiagnosisDeps, jobId: string, data: unknown, signal?: AbortSignal): Promise<InferenceJobResult> {
  const job = parseDiagnosisJob(data);
  const d = job.diagnosis;
  const row = await startMessage(deps.db, { jobId, key: job.key, userId: job.user.id, kind: 'diagnose', question: `${d.assetId} ${job.text}` });
  const diag = await startDiagnosis(deps.db, {
    jobId, messageId: row.id, platform: job.key.platform, tenant: job.key.tenant, channel: job.key.channel,
    assetId: d.assetId, faultCode: d.faultCode, request: job.text, requestedBy: job.user.id,
  });
  if (row.status !== 'generating') {
    await enqueueDelivery(deps, row.id, job);
    return { messageId: row.id, status: 'duplicate', completionTokens: row.completionTokens ?? 0 };
  }
  deps.metrics.jobWaitSeconds.observe({ queue: 'diagnosis' }, Math.max(0, Date.now() - job.source.receivedAt) / 1000);
  const asset = await findAsset(deps.db, d.assetId);
  if (!asset) throw new UnrecoverableError(`asset ${d.assetId} is no longer in the registry`);
  const catalogued = d.faultCode ? await findFaultCode(deps.db, asset.model, d.faultCode) : null;
  const fault = d.faultCode ? { code: catalogued?.code ?? d.faultCode, meaning: catalogued?.meaning ?? null, severity: catalogued?.severity ?? null, level: catalogued?.level ?? null } : null;
  const channel = await channelKnowledge(deps.db, job.key);
  const scopes = [...new Set([...(asset.scope ? [asset.scope] : []), ...channel.scopes])];
  const query = [asset.model, fault?.code, fault?.meaning, d.symptom].filter(Boolean).join(' ');
  const chunks = await retrieve(deps, job, scopes, query);
  const sources = toSourceRefs(chunks);
  const input: DiagnosisPromptInput = {
    asset, fault, symptom: d.symptom, systemPrompt: deps.settings.systemPrompt,
    sources: sources.map((s, i) => ({ ...s, text: chunks[i]!.text })),
  };
  const oneStep = buildDiagnosisPrompt(input);
  const s = deps.settings;
  const pub = deps.live?.publisher(jobId);
  await pub?.started();
  const runs: GenerateResult[] = [];
  const generate = async (req: Parameters<Engine['generate']>[0]) => {
    deps.metrics.sequencesInUse.set(deps.engine.inFlight + 1);
    try {
      const r = await deps.engine.generate({ ...req, adapter: job.adapter });
      runs.push(r);
      if (r.stopped) throw new Error('diagnosis generation was stopped (shutdown or abort); it will be retried');
      return r;
    } finally {
      deps.metrics.sequencesInUse.set(deps.engine.inFlight);
    }
  };
  let prompt = oneStep;
  let reasoning = '';
  if (s.reasoningTokens > 0) {
    const draftPrompt = buildDiagnosisDraftPrompt(input);
    // The thought budget leaves a quarter of the step for the prose answer the JSON step restates.
    const draft = await generate({
      context: draftPrompt.context, question: draftPrompt.question, maxTokens: s.reasoningTokens, temperature: s.temperature, signal,
      thoughtBudget: Math.max(1, Math.floor(s.reasoningTokens * 0.75)),
      // The draft's prose answer is reasoning too (the JSON step restates it): all of it is live thought.
      onChunk: pub ? (c) => pub.chunk('thought', c.text) : undefined,
    });
    reasoning = [draft.reasoning, draft.answer].filter((t) => t.trim()).join('\n\n');
    prompt = buildDiagnosisJsonFollowUp(draftPrompt, draft.answer || draft.reasoning);
  }
  const jsonStep = () => generate({
    context: prompt.context, question: prompt.question, maxTokens: s.maxTokens, temperature: s.temperature, signal,
    jsonSchema: diagnosisJsonSchema(sources.length),
  });
  // The schema constrains decoding (llama.cpp grammar; a remote engine's guided decoding), and the
  // answer is still validated with the same zod schema: an engine that ignores response_format, or
  // a cut-off answer, gets one more try, then fails clearly (the requester is told, not retried).
  let answer: DiagnosisAnswer;
  try {
    answer = parseDiagnosisAnswer((await jsonStep()).answer, sources.length);
  } catch (first) {
    deps.log.warn({ jobId, err: (first as Error).message }, 'diagnosis answer invalid; generating it once more');
    try {
      answer = parseDiagnosisAnswer((await jsonStep()).answer, sources.length);
    } catch (second) {
      throw new UnrecoverableError(`the structured diagnosis was invalid twice: ${(second as Error).message}`);
    }
  }
  const result: DiagnosisResult = diagnosisResultSchema.parse({
    v: 1,
    asset: { id: asset.id, name: asset.name, model: asset.model, location: asset.location, oncall: asset.oncall },
    fault, symptom: d.symptom, ...answer, sources,
  });
  const sum = (f: (r: GenerateResult) => number) => runs.reduce((a, r) => a + f(r), 0);
  const totalMs = sum((r) => r.timings.totalMs);
  const model = await deps.engine.modelIdentity;
  // One transaction: a crash can never leave an answered message without its stored result.
  await deps.db.transaction(async (tx) => {
    await finishMessage(tx, row.id, {
      answer: diagnosisMarkdown(result),
      reasoning,
      status: 'answered',
      modelSha256: model.sha256,
      modelId: `${model.engine}:${model.id}`,
      promptTokens: sum((r) => r.promptTokens),
      completionTokens: sum((r) => r.completionTokens),
      timings: { totalMs, steps: runs.length, firstTokenMs: runs[0]?.timings.firstTokenMs ?? null, batchPeak: Math.max(...runs.map((r) => r.batchPeak)), queueWaitMs: Math.max(0, Date.now() - job.source.receivedAt - totalMs) },
    });
    await finishDiagnosis(tx, diag.id, result, { context: oneStep.context, question: oneStep.question });
    await recordMessageAdapter(tx, row.id, runs.at(-1)?.adapter ?? null);
    await recordAnswerProvenance(tx, row.id, { promptSha256: systemPromptSha256(oneStep), model, adapter: runs.at(-1)?.adapter ?? null, chunks, sources });
  });
  const m = deps.metrics;
  const adapter = adapterLabel(runs.at(-1)?.adapter);
  m.generationSeconds.observe({ adapter }, totalMs / 1000);
  m.tokens.inc({ kind: 'prompt', adapter }, sum((r) => r.promptTokens));
  m.tokens.inc({ kind: 'completion', adapter }, sum((r) => r.completionTokens));
  await pub?.end('answered');
  m.diagnoses.inc({ outcome: 'answered' });
  deps.log.info(withText(deps.log, { messageId: row.id, diagnosisId: diag.id, jobId, sources: sources.length, causes: result.causes.length, ms: Math.round(totalMs) }, { request: job.text }), 'diagnosis generated');
  await enqueueDelivery(deps, row.id, job);
  return { messageId: row.id, status: 'answered', completionTokens: sum((r) => r.completionTokens) };
}

/** After the last attempt failed: mark the diagnosis failed and tell the requester in its thread. */
export async function handleDiagnosisFailure(deps: Pick<DiagnosisDeps, 'db' | 'queues' | 'log' | 'metrics' | 'live'>, jobId: string, data: unknown, error: Error): Promise<void> {
  await deps.live?.publisher(jobId).end('failed').catch((e) => deps.log.warn({ jobId, err: (e as Error).message }, 'could not end the live diagnosis'));
  let job: DiagnosisJob;
  try {
    job = parseDiagnosisJob(data);
  } catch {
    deps.log.error({ jobId, err: error.message }, 'invalid diagnosis job dropped');
    return;
  }
  const d = job.diagnosis;
  let messageId: string;
  try {
    const row = await startMessage(deps.db, { jobId, key: job.key, userId: job.user.id, kind: 'diagnose', question: `${d.assetId} ${job.text}` });
    const diag = await startDiagnosis(deps.db, {
      jobId, messageId: row.id, platform: job.key.platform, tenant: job.key.tenant, channel: job.key.channel,
      assetId: d.assetId, faultCode: d.faultCode, request: job.text, requestedBy: job.user.id,
    });
    await deps.db.transaction(async (tx) => {
      await failMessage(tx, row.id, error.message);
      await failDiagnosis(tx, diag.id);
    });
    messageId = row.id;
  } catch (e) {
    // The user still hears back: the failure reply goes out without the message log.
    deps.log.error({ jobId, err: (e as Error).message }, 'could not record the failed diagnosis; sending the failure reply without the message log');
    messageId = unstoredMessageId(jobId);
  }
  deps.metrics.diagnoses.inc({ outcome: 'failed' });
  await enqueueDelivery(deps, messageId, job);
}

async function enqueueDelivery(deps: Pick<DiagnosisDeps, 'queues'>, messageId: string, job: DiagnosisJob): Promise<void> {
  await deps.queues.deliveryFor(job.key.platform).add(
    JOB_DELIVER,
    { v: 1, messageId, key: job.key, reply: job.reply },
    { jobId: deliveryJobId(messageId), attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 86400 }, removeOnFail: { age: 7 * 86400 } },
  );
}
