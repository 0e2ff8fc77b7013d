import {
  buildDiagnosisPrompt, DIAGNOSIS_GRAMMAR_SCHEMA, diagnosisToMarkdown, finishDiagnosis, getAsset, getDiagnosis, getFaultCode, modelDiagnosisSchema,
  type DiagnosisResult,
} from '../diagnosis/index.js';
import type { InferenceJob } from '../jobs/index.js';
import { channelKnowledge, toSourceRefs } from '../rag/index.js';
import type { RetrievedChunk } from '../rag/types.js';
import { finishMessage, type MessageRow } from '../storage/index.js';
import type { InferenceDeps } from './process-inference.js';

/**
 * A `/diagnose` job: retrieves from the asset's scope and the channel's scopes, generates under the
 * JSON-schema grammar (so the result always parses), and stores the structured result with the
 * diagnosis and its markdown in the message log.
 */
export async function generateDiagnosis(deps: InferenceDeps, row: MessageRow, job: InferenceJob, signal?: AbortSignal) {
  const diagnosisId = job.diagnosis!.diagnosisId;
  const diag = await getDiagnosis(deps.db, diagnosisId);
  const asset = diag && (await getAsset(deps.db, diag.assetId));
  if (!diag || !asset) throw new Error(`diagnosis ${diagnosisId} or its asset no longer exists`);
  const fault = diag.faultCode ? await getFaultCode(deps.db, asset.model, diag.faultCode) : null;
  const scopes = new Set<string>(asset.scope ? [asset.scope] : []);
  for (const s of (await channelKnowledge(deps.db, job.key)).scopes) scopes.add(s);
  let chunks: RetrievedChunk[] = [];
  if (deps.knowledge && scopes.size) {
    const query = [asset.model, fault?.code, fault?.meaning, diag.symptom].filter(Boolean).join(' ');
    chunks = await deps.knowledge.retriever.retrieve({ scopes: [...scopes], query, k: Math.min(deps.knowledge.k, 5), maxChars: deps.knowledge.maxChars });
  }
  const sources = toSourceRefs(chunks);
  const prompt = buildDiagnosisPrompt({ asset, fault, symptom: diag.symptom, sources: sources.map((s, i) => ({ ...s, text: chunks[i]!.text })) });
  const res = await deps.engine.generate({
    context: prompt.context, question: prompt.question, maxTokens: Math.max(deps.settings.maxTokens, 1024),
    temperature: deps.settings.temperature, signal, jsonSchema: DIAGNOSIS_GRAMMAR_SCHEMA,
  });
  const parsed = modelDiagnosisSchema.parse(JSON.parse(res.answer));
  const safety = [...parsed.safety];
  if (fault && (fault.severity === 'high' || fault.severity === 'critical')) {
    safety.unshift(`Severity ${fault.severity}: apply lock-out/tag-out and release stored pressure before opening ${asset.id}.`);
  }
  const result: DiagnosisResult = {
    ...parsed,
    safety,
    // Citations may only point at excerpts the model was given.
    causes: parsed.causes.map((c) => ({ ...c, sources: c.sources.filter((n) => n >= 1 && n <= sources.length) })),
    diagnosisId,
    asset: { id: asset.id, name: asset.name, model: asset.model, location: asset.location, oncall: asset.oncall },
    fault: fault ? { code: fault.code, meaning: fault.meaning, severity: fault.severity } : null,
    symptom: diag.symptom,
    sources,
  };
  await finishDiagnosis(deps.db, diagnosisId, result);
  const modelSha256 = await deps.engine.modelSha256.catch(() => null);
  await finishMessage(deps.db, row.id, {
    answer: diagnosisToMarkdown(result), reasoning: res.reasoning, status: res.stopped ? 'stopped' : 'answered', modelSha256,
    promptTokens: res.promptTokens, completionTokens: res.completionTokens, timings: { ...res.timings, batchPeak: res.batchPeak },
  });
  return res;
}
