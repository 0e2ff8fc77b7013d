import type { App } from '@slack/bolt';
import { handleDiagnoseCommand, type ChatPlatform, type DiagnoseCommandResult, type Runtime } from '../../../src/index.js';
import { slackCommandAccess } from '../command-access.js';

/**
 * Slack wants the slash command acked within 3 s. The registry lookups and the enqueue normally
 * take milliseconds; past this budget the ack goes out with a holding note and the answer follows
 * through `response_url` (still private).
 */
export const DIAGNOSE_ACK_BUDGET_MS = 2000;
export const DIAGNOSE_FAILED_TEXT = 'Sorry, `/diagnose` failed on the server; nothing was queued. Please try again; if it keeps failing, ask an admin to check the logs.';
export const DIAGNOSE_HOLDING_TEXT = '⏳ Got it — checking the asset registry…';

/**
 * `/diagnose <asset> <fault code or symptom…>` and `/diagnose history <asset>`. Every answer to the
 * command itself is ephemeral (only the requester sees it): the queue note, history, and errors
 * for unknown assets or codes (with the closest matches), empty or over-long text. The diagnosis
 * arrives later, in a thread of its own in the channel (see deliver-diagnosis.ts).
 */
export function registerDiagnoseCommand(app: App, rt: Runtime, platform: ChatPlatform): void {
  const { cfg, log, metrics } = rt;
  app.command('/diagnose', async ({ command, ack, respond }) => {
    const t0 = performance.now();
    metrics.eventsReceived.inc({ platform: 'slack', kind: 'diagnose_command' });
    const access = await slackCommandAccess(rt, platform, command, 'diagnose').catch((e: Error) => e);
    if (access instanceof Error || !access.ok) {
      if (access instanceof Error) log.error({ err: access.message, channel: command.channel_id }, 'diagnose command: access policy unavailable');
      else metrics.eventsAcked.inc({ platform: 'slack', kind: 'diagnose_command', outcome: 'refused' });
      await ack({ response_type: 'ephemeral', text: access instanceof Error ? DIAGNOSE_FAILED_TEXT : access.text });
      return;
    }
    const work = handleDiagnoseCommand(
      { db: rt.db, queue: rt.queues.inference, maxChars: cfg.DIAGNOSIS_MAX_CHARS, historyLimit: cfg.DIAGNOSIS_HISTORY_LIMIT, attempts: cfg.JOB_ATTEMPTS, formatUser: (u) => `<@${u}>` },
      {
        key: { platform: 'slack', tenant: command.team_id, channel: command.channel_id },
        userId: command.user_id,
        text: command.text ?? '',
        eventId: command.trigger_id,
        reply: { channel: command.channel_id, requested_by: command.user_id },
      },
    );
    work.catch(() => {}); // handled below; keeps an early timeout from leaving it unobserved
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), DIAGNOSE_ACK_BUDGET_MS)));
    let res: DiagnoseCommandResult | 'late';
    try {
      res = await Promise.race([work, late]);
    } catch (e) {
      clearTimeout(timer);
      metrics.errors.inc({ kind: 'diagnose_command' });
      log.error({ err: (e as Error).message, channel: command.channel_id }, 'diagnose command failed');
      await ack({ response_type: 'ephemeral', text: DIAGNOSE_FAILED_TEXT });
      return;
    }
    clearTimeout(timer);
    if (res === 'late') {
      await ack({ response_type: 'ephemeral', text: DIAGNOSE_HOLDING_TEXT });
      // Not awaited: with processBeforeResponse the HTTP response waits for the listener to return.
      void (async () => {
        const final = await work.catch((e: Error) => {
          metrics.errors.inc({ kind: 'diagnose_command' });
          log.error({ err: e.message, channel: command.channel_id }, 'diagnose command failed');
          return null;
        });
        await respond({ response_type: 'ephemeral', replace_original: false, text: final?.text ?? DIAGNOSE_FAILED_TEXT })
          .catch((e: Error) => log.warn({ err: e.message, channel: command.channel_id }, 'could not send the late /diagnose answer'));
        if (final) record(final);
      })();
      return;
    }
    await ack({ response_type: 'ephemeral', text: res.text });
    record(res);

    function record(r: DiagnoseCommandResult): void {
      metrics.ackSeconds.observe({ platform: 'slack' }, (performance.now() - t0) / 1000);
      const outcome = r.kind === 'queued' ? (r.duplicate ? 'duplicate' : 'enqueued') : r.kind === 'history' ? 'history' : 'rejected';
      metrics.eventsAcked.inc({ platform: 'slack', kind: 'diagnose_command', outcome });
      log.info({ channel: command.channel_id, user: command.user_id, outcome, reason: r.kind === 'rejected' ? r.reason : undefined, jobId: r.kind === 'queued' ? r.jobId : undefined }, 'diagnose command');
    }
  });
}
