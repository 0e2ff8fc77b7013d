import { recordAudit } from '../audit/index.js';
import type { Db } from '../storage/index.js';

/** The title a web chat keeps once its texts are removed. */
export const REMOVED_TITLE = '(removed)';

/** Rows changed per statement: bounded, so a first run over a large log never holds one huge transaction. */
export const RETENTION_BATCH = 5000;

/** What one retention run removed (rows whose texts were removed, per table). */
export interface RetentionCounts {
  /** messages: question, answer, reasoning and error texts nulled (timings, tokens, model, sources kept). */
  messages: number;
  /** message_prompts: the exact prompts (they hold the question and history) deleted. */
  prompts: number;
  /** feedback: correction texts nulled (the votes are kept). */
  corrections: number;
  /** diagnoses: request, prompt and result removed (asset, fault code, outcome, timings kept). */
  diagnoses: number;
  /** question_images: OCR text, vision description, file name and any kept bytes removed (sha256, size, type kept). */
  images: number;
  /** web_chats: titles (taken from the first question) replaced. */
  webChats: number;
}

export interface RetentionOptions {
  /** RETENTION_DAYS. */
  days: number;
  /** "Now" (injectable for tests). Defaults to the current time. */
  now?: Date;
  /** Who runs it and from where, for the audit row. Defaults to `system` / `service`. */
  actor?: string;
  origin?: string;
}

/** Repeats a batched statement (returning one row per row changed) until nothing is left. */
async function batched(db: Pick<Db, 'query'>, sql: string, params: unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await db.query(sql, [...params, RETENTION_BATCH]);
    total += rows.length;
    if (rows.length < RETENTION_BATCH) return total;
  }
}

/**
 * Removes the texts older than `days` (RETENTION_DAYS): questions, answers, reasoning, stored
 * prompts, correction texts and diagnosis requests/results. The rows stay, with timings, token
 * counts, model identity, sources and provenance, for metrics. Works the same on PostgreSQL and
 * PGlite; the counts are recorded in the audit trail (`retention.run`).
 */
export async function removeOldTexts(db: Pick<Db, 'query'>, o: RetentionOptions): Promise<RetentionCounts & { cutoff: Date }> {
  const cutoff = new Date((o.now ?? new Date()).getTime() - o.days * 86_400_000);
  const counts: RetentionCounts = {
    // Prompts and corrections first: they are found through their message's age.
    prompts: await batched(db,
      `DELETE FROM message_prompts WHERE message_id IN (
         SELECT p.message_id FROM message_prompts p JOIN messages m ON m.id = p.message_id WHERE m.created_at < $1 LIMIT $2) RETURNING message_id`, [cutoff]),
    corrections: await batched(db,
      `UPDATE feedback SET correction = NULL WHERE (message_id, user_id) IN (
         SELECT f.message_id, f.user_id FROM feedback f JOIN messages m ON m.id = f.message_id
         WHERE f.correction IS NOT NULL AND (f.created_at < $1 OR m.created_at < $1) LIMIT $2) RETURNING message_id`, [cutoff]),
    messages: await batched(db,
      `UPDATE messages SET question = NULL, answer = NULL, reasoning = NULL, error = NULL, texts_removed_at = now(), texts_removed_by = 'retention'
       WHERE id IN (SELECT id FROM messages WHERE created_at < $1 AND texts_removed_at IS NULL LIMIT $2) RETURNING id`, [cutoff]),
    diagnoses: await batched(db,
      `UPDATE diagnoses SET request = NULL, prompt = NULL, result = NULL, texts_removed_at = now()
       WHERE id IN (SELECT id FROM diagnoses WHERE created_at < $1 AND texts_removed_at IS NULL LIMIT $2) RETURNING id`, [cutoff]),
    images: await batched(db,
      `UPDATE question_images SET ocr_text = NULL, vision_text = NULL, data = NULL, name = '', note = NULL
       WHERE id IN (SELECT id FROM question_images WHERE created_at < $1 AND (ocr_text IS NOT NULL OR vision_text IS NOT NULL OR data IS NOT NULL OR name <> '') LIMIT $2) RETURNING id`, [cutoff]),
    webChats: await batched(db,
      `UPDATE web_chats SET title = '${REMOVED_TITLE}' WHERE id IN (SELECT id FROM web_chats WHERE updated_at < $1 AND title <> '${REMOVED_TITLE}' LIMIT $2) RETURNING id`, [cutoff]),
  };
  await recordAudit(db, {
    actor: o.actor ?? 'system', origin: o.origin ?? 'service', action: 'retention.run', target: 'message_log',
    details: { days: o.days, cutoff: cutoff.toISOString(), ...counts },
  });
  return { ...counts, cutoff };
}
