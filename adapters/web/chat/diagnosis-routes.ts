import type { FastifyInstance, FastifyRequest } from 'fastify';
import { getDiagnosis, getMessage, recordOutcome, type Runtime } from '../../../src/index.js';
import type { WebUser } from '../web-auth.js';

const userOf = (req: FastifyRequest): WebUser => (req as FastifyRequest & { webUser: WebUser }).webUser;

/**
 * `POST /chat/diagnosis`: the outcome buttons under a web diagnosis (Resolved / Not resolved —
 * escalate), as Slack's and Teams': `recordOutcome` (a resolved diagnosis becomes a labelled
 * example; the last press wins). Only the asker's own web diagnoses; then back to the conversation.
 */
export function registerDiagnosisRoutes(web: FastifyInstance, rt: Runtime): void {
  web.post<{ Body: { diagnosis?: string; value?: string } }>('/chat/diagnosis', { config: { access: 'user' as const } }, async (req, reply) => {
    const user = userOf(req);
    const value = req.body?.value;
    const id = String(req.body?.diagnosis ?? '');
    const row = /^\d{1,18}$/.test(id) ? await getDiagnosis(rt.db, id) : null;
    const own = row && row.platform === 'web' && row.tenant === user.tenant && row.requestedBy === user.userId && row.messageId;
    const message = own ? await getMessage(rt.db, row.messageId!) : null;
    if (!message || (value !== 'resolved' && value !== 'escalated')) return reply.code(400).send({ error: 'not an outcome of one of your diagnoses' });
    await recordOutcome(rt.db, id, value, user.userId);
    rt.metrics.diagnosisActions.inc({ action: value });
    rt.log.info({ user: user.userId, diagnosisId: id, outcome: value }, 'web diagnosis outcome');
    return reply.redirect(`/chat/c/${message.key.thread}`, 303);
  });
}
