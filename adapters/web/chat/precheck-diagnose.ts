import { checkAccess, checkDiagnoseRequest, handleDiagnoseCommand, type ConversationKey, type Runtime } from '../../../src/index.js';
import type { WebPlatform } from './web-platform.js';
import type { WebUser } from '../web-auth.js';

export type DiagnosePrecheck =
  /** Admit it (`admitQuestion` with command `diagnose`). */
  | { kind: 'admit' }
  /** Refused or invalid: shown in the page with this status; nothing is queued. */
  | { kind: 'rejected'; status: number; text: string }
  /** `/diagnose history <asset>`: the list, shown in the page; nothing is queued. */
  | { kind: 'history'; text: string };

/**
 * Before a web `/diagnose` is admitted: the access policy for the command, then the same checks as
 * Slack's `/diagnose` (`checkDiagnoseRequest`: usage, length, asset registry, fault codes) with the
 * same texts, so a bad request is answered in the page at once and nothing is queued. The web chat
 * answers its POST synchronously, unlike Slack and Teams, where the intake worker tells the asker.
 */
export async function precheckDiagnose(rt: Runtime, platform: WebPlatform, user: WebUser, key: ConversationKey, args: string, eventId: string): Promise<DiagnosePrecheck> {
  const { cfg } = rt;
  const access = await checkAccess(rt, platform, {
    platform: 'web', tenant: key.tenant, channel: key.channel, dm: false, userId: user.userId, userGroups: user.groups, command: 'diagnose',
  }, key);
  if (!access.ok) return { kind: 'rejected', status: 403, text: access.text };
  const checked = await checkDiagnoseRequest({ db: rt.db, maxChars: cfg.DIAGNOSIS_MAX_CHARS }, args);
  if (checked.kind === 'rejected') return { kind: 'rejected', status: checked.reason === 'too_long' ? 413 : 400, text: checked.text };
  if (checked.kind === 'history') {
    // Read-only (nothing is enqueued for history): answered here, through the same handler.
    const res = await handleDiagnoseCommand(
      { db: rt.db, queue: rt.queues.inference, maxChars: cfg.DIAGNOSIS_MAX_CHARS, historyLimit: cfg.DIAGNOSIS_HISTORY_LIMIT, attempts: cfg.JOB_ATTEMPTS },
      { key, userId: user.userId, text: args, eventId, reply: {} },
    );
    return { kind: 'history', text: res.text };
  }
  return { kind: 'admit' };
}
