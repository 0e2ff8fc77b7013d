import { writeFile } from 'node:fs/promises';
import { listLabelledDiagnoses, toTrainingExample } from '../diagnosis/index.js';
import { channelsOfScope, listRatedAnswers, type Db } from '../storage/index.js';
import { buildDataset, type DatasetFormat } from './build-dataset.js';
import { createPseudonymizer } from './pseudonym.js';
import { createRedactor } from './redact.js';

export interface ExportDatasetOptions {
  format: DatasetFormat;
  /** Only answers (and diagnoses) from this instant on. */
  since?: Date;
  /** Only answers (and diagnoses) from channels bound to this knowledge scope. */
  scope?: string;
  /** R1's reasoning as `<think>…</think>` before each model answer. Defaults to false. */
  withReasoning?: boolean;
  /** Mask e-mail addresses, phone numbers and `redactPatterns`. Defaults to false. */
  redact?: boolean;
  /** Extra patterns masked with `redact` (FEEDBACK_REDACT_PATTERNS plus `--redact-pattern`). */
  redactPatterns?: readonly string[];
  /** FEEDBACK_PSEUDONYM_SECRET: key of the user-id pseudonyms. */
  pseudonymSecret: string;
  /** The JSONL file written (replaced). */
  out: string;
}

/**
 * Writes one dataset as JSONL: the rated answers with their exact prompts, corrections and (for
 * `sft` and `kto`) resolved diagnoses, user ids pseudonymised. Returns the lines written and the
 * counts per kind.
 */
export async function exportDataset(db: Db, o: ExportDatasetOptions): Promise<{ written: number; counts: Record<string, number> }> {
  const pseudonym = createPseudonymizer(o.pseudonymSecret);
  const redact = o.redact ? createRedactor({ patterns: o.redactPatterns }) : (s: string) => s;
  const answers = await listRatedAnswers(db, { since: o.since, scope: o.scope });
  const inScope = o.scope ? await channelsOfScope(db, o.scope) : null;
  const diagnoses = (await listLabelledDiagnoses(db))
    .filter((d) => (!o.since || d.createdAt >= o.since) && (!inScope || inScope.has(`${d.platform}\u0000${d.tenant}\u0000${d.channel}`)))
    .flatMap((d) => {
      const ex = toTrainingExample(d);
      return ex ? [{ ...ex, platform: d.platform, tenant: d.tenant, requestedBy: d.requestedBy }] : [];
    });
  const { lines, counts } = buildDataset(answers, diagnoses, { format: o.format, withReasoning: o.withReasoning ?? false, pseudonym, redact });
  await writeFile(o.out, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  return { written: lines.length, counts };
}
