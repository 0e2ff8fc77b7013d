import type { Db } from '../storage/index.js';
import { listLabelledDiagnoses, type DiagnosisRow } from './diagnosis-store.js';
import { diagnosisAnswerSchema } from './result-schema.js';

/**
 * One labelled example in the chat format most fine-tuning tools read (`messages` with
 * system/user/assistant turns; one JSON object per line): the prompt the model saw, and the
 * structured answer that a technician marked as resolving the fault.
 */
export interface TrainingExample {
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  meta: { diagnosisId: string; assetId: string; faultCode: string | null; outcomeBy: string | null; feedback: string | null; createdAt: string };
}

/** The example for a resolved diagnosis; null when it has no stored prompt or result. */
export function toTrainingExample(d: DiagnosisRow): TrainingExample | null {
  if (!d.result || !d.prompt) return null;
  const answer = diagnosisAnswerSchema.parse(d.result);
  return {
    messages: [
      ...d.prompt.context.map((t) => ({ role: t.role, content: t.text })),
      { role: 'user' as const, content: d.prompt.question },
      { role: 'assistant' as const, content: JSON.stringify(answer) },
    ],
    meta: { diagnosisId: d.id, assetId: d.assetId, faultCode: d.faultCode, outcomeBy: d.outcomeBy, feedback: d.feedback, createdAt: d.createdAt.toISOString() },
  };
}

/** Every labelled example as JSONL text (one line each, oldest first). */
export async function exportLabelledExamples(db: Db): Promise<{ jsonl: string; count: number }> {
  const examples = (await listLabelledDiagnoses(db)).map(toTrainingExample).filter((e): e is TrainingExample => e !== null);
  return { jsonl: examples.map((e) => JSON.stringify(e)).join('\n') + (examples.length ? '\n' : ''), count: examples.length };
}
