import type { ChatTurn } from '../prompts/index.js';
import type { Asset, FaultCode } from './asset-store.js';

export interface DiagnosisPromptInput {
  asset: Asset;
  fault: FaultCode | null;
  symptom: string;
  /** Numbered excerpts: `[n]` in the model's `sources` refers to `sources[n-1]`. */
  sources: Array<{ n: number; title: string; section: string; text: string }>;
}

/** Pure: the prompt for a structured diagnosis (the grammar forces the JSON shape). */
export function buildDiagnosisPrompt(i: DiagnosisPromptInput): { context: ChatTurn[]; question: string } {
  const system =
    'You are a senior maintenance engineer helping a technician at the machine. Reply with JSON only: ' +
    'a one-line summary; safety warnings first (lock-out/tag-out, stored pressure, voltage) when relevant; ' +
    'ranked probable causes with likelihood and evidence citing the numbered manual excerpts; checks to perform in order with the expected observation; ' +
    'parts that may be needed; and whether to escalate. Cite only excerpt numbers you were given.';
  const lines = [
    `Asset: ${i.asset.id} — ${i.asset.name}, model ${i.asset.model}, location ${i.asset.location || 'unknown'}.`,
    i.fault ? `Fault code ${i.fault.code}: ${i.fault.meaning} (severity ${i.fault.severity}).` : 'No fault code given.',
    `Symptom reported: ${i.symptom}`,
    i.sources.length ? 'Manual excerpts:' : 'No manual excerpts matched; say what is uncertain.',
    ...i.sources.map((s) => `[${s.n}] ${s.title}${s.section ? ` — ${s.section}` : ''}\n${s.text}`),
  ];
  return { context: [{ role: 'system', text: system }], question: lines.join('\n') };
}
