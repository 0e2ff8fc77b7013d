import { createHash } from 'node:crypto';
import { recordAudit } from '../audit/index.js';
import type { Platform } from '../conversation/index.js';
import type { Db } from '../storage/index.js';

/** Who to forget: a user of one workspace / tenant of one platform. */
export interface ForgetTarget {
  platform: Platform;
  /** Slack team id, Teams tenant id, `api`, `local` (console)… */
  tenant: string;
  userId: string;
}

/** What erasure removed (or, with `dryRun`, would remove). */
export interface ForgetCounts {
  /** The person's questions (with the answers to them): texts removed, asker replaced by `erased`. */
  messages: number;
  /** Stored prompts of those questions, deleted. */
  prompts: number;
  /** The person's votes (and corrections) on any answer, deleted. */
  votes: number;
  /** Other people's correction texts on answers to the person's questions, removed (the votes stay). */
  corrections: number;
  /** The person's /diagnose requests: request, prompt and result removed, requester replaced. */
  diagnoses: number;
  /** Diagnosis outcome or feedback the person gave: their id replaced. */
  diagnosisMarks: number;
  /** Images attached to the person's questions: read text, description, name and bytes removed. */
  images: number;
  /** Web chats (titles) and sign-in sessions of the person (`--platform web`). */
  webChats: number;
}

export interface ForgetOptions {
  dryRun?: boolean;
  /** Who asked for it and from where, for the audit row. */
  actor: string;
  origin: string;
  /** Why (`cli`, `slack user_change deleted`). */
  reason?: string;
}

/** The id rows carry after erasure in place of the person's. */
export const ERASED_USER = 'erased';

/** A stable pseudonym of a user id for the audit row (the audit must not re-store the id it erased). */
export const erasureRef = (t: ForgetTarget) => createHash('sha256').update(`${t.platform}\u0000${t.tenant}\u0000${t.userId}`).digest('hex').slice(0, 16);

/**
 * Erases one person's data from the message log and everything exported from it: their questions
 * and the answers to them (texts removed, asker replaced; timings and token counts kept for
 * metrics), the stored prompts, their votes and corrections, other people's corrections of those
 * answers, their diagnosis requests and results, and their id on diagnosis outcomes and feedback.
 * Nobody else's data changes. One transaction; with `dryRun` it only counts. Audited as
 * `erasure.run` with a pseudonymous reference, not the id.
 */
export async function forgetUser(db: Pick<Db, 'transaction'>, t: ForgetTarget, o: ForgetOptions): Promise<ForgetCounts> {
  return db.transaction(async (tx) => {
    const mine = `SELECT id FROM messages WHERE platform = $1 AND tenant = $2 AND user_id = $3`;
    const p = [t.platform, t.tenant, t.userId];
    const count = async (sql: string) => Number((await tx.query<{ n: string | number }>(`SELECT count(*) AS n FROM (${sql}) x`, p)).rows[0]!.n);
    const sel = {
      messages: mine,
      prompts: `SELECT message_id FROM message_prompts WHERE message_id IN (${mine})`,
      votes: `SELECT f.message_id FROM feedback f JOIN messages m ON m.id = f.message_id WHERE f.platform = $1 AND m.tenant = $2 AND f.user_id = $3`,
      corrections: `SELECT message_id FROM feedback WHERE message_id IN (${mine}) AND correction IS NOT NULL AND NOT (platform = $1 AND user_id = $3)`,
      diagnoses: `SELECT id FROM diagnoses WHERE platform = $1 AND tenant = $2 AND requested_by = $3`,
      diagnosisMarks: `SELECT id FROM diagnoses WHERE platform = $1 AND tenant = $2 AND (outcome_by = $3 OR feedback_by = $3)`,
      images: `SELECT id FROM question_images WHERE job_id IN (SELECT job_id FROM messages WHERE platform = $1 AND tenant = $2 AND user_id = $3)`,
      // Web sessions and chats name the user `web:<sub>` or by the bare id.
      webChats: `SELECT id FROM web_chats WHERE $1 = 'web' AND tenant = $2 AND (user_id = $3 OR user_id = 'web:' || $3)`,
    };
    const counts: ForgetCounts = {
      messages: await count(sel.messages), prompts: await count(sel.prompts), votes: await count(sel.votes),
      corrections: await count(sel.corrections), diagnoses: await count(sel.diagnoses), diagnosisMarks: await count(sel.diagnosisMarks),
      images: await count(sel.images), webChats: await count(sel.webChats),
    };
    if (o.dryRun) return counts;
    await tx.query(`DELETE FROM message_prompts WHERE message_id IN (${mine})`, p);
    // Before the messages lose their asker: images are found through their question's job id.
    await tx.query(`UPDATE question_images SET ocr_text = NULL, vision_text = NULL, data = NULL, name = '', note = NULL WHERE ${sel.images.replace('SELECT id FROM question_images WHERE ', '')}`, p);
    await tx.query(`UPDATE feedback SET correction = NULL WHERE message_id IN (${mine}) AND correction IS NOT NULL AND NOT (platform = $1 AND user_id = $3)`, p);
    await tx.query(`DELETE FROM feedback f USING messages m WHERE m.id = f.message_id AND f.platform = $1 AND m.tenant = $2 AND f.user_id = $3`, p);
    await tx.query(
      `UPDATE messages SET question = NULL, answer = NULL, reasoning = NULL, error = NULL, user_id = '${ERASED_USER}', texts_removed_at = now(), texts_removed_by = 'erasure'
       WHERE platform = $1 AND tenant = $2 AND user_id = $3`, p);
    await tx.query(
      `UPDATE diagnoses SET request = NULL, prompt = NULL, result = NULL, labelled = false, requested_by = '${ERASED_USER}', texts_removed_at = now()
       WHERE platform = $1 AND tenant = $2 AND requested_by = $3`, p);
    await tx.query(`DELETE FROM web_chats WHERE $1 = 'web' AND tenant = $2 AND (user_id = $3 OR user_id = 'web:' || $3)`, p);
    await tx.query(`DELETE FROM web_sessions WHERE $1 = 'web' AND tenant = $2 AND (user_id = $3 OR user_id = 'web:' || $3)`, p);
    await tx.query(`UPDATE diagnoses SET outcome_by = '${ERASED_USER}' WHERE platform = $1 AND tenant = $2 AND outcome_by = $3`, p);
    await tx.query(`UPDATE diagnoses SET feedback_by = '${ERASED_USER}' WHERE platform = $1 AND tenant = $2 AND feedback_by = $3`, p);
    await recordAudit(tx, {
      actor: o.actor, origin: o.origin, action: 'erasure.run', target: `${t.platform}/${t.tenant}/user:${erasureRef(t)}`,
      details: { ...counts, reason: o.reason ?? null },
    });
    return counts;
  });
}
