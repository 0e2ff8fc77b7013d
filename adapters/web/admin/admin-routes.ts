import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AnswerKnowledgeDeps, Embedder, Runtime } from '../../../src/index.js';
import { html } from '../html.js';
import { page } from '../layout.js';
import type { WebUser } from '../web-auth.js';
import { registerAdaptersRoutes } from './adapters-page.js';
import { registerAuditRoutes } from './audit-page.js';
import { registerDiagnosesRoutes } from './diagnoses-page.js';
import { registerFeedbackRoutes } from './feedback-page.js';
import { registerKnowledgeRoutes } from './knowledge.js';
import { overviewData, overviewPanel } from './overview.js';

/** What the admin pages need besides the runtime. */
export interface AdminDeps {
  /** Called after each sign-in (the audit trail records it). */
  onSignIn?(userId: string, isAdmin: boolean, origin: string): Promise<void>;
  /** The embedding model of this process, when it runs one (uploads are embedded with it; else full-text only). */
  embedder?(): Embedder | undefined;
  /** The retriever answers use (for "test a question"). */
  knowledge(): Promise<Omit<AnswerKnowledgeDeps, 'db'>>;
}

export const adminRoute = { config: { access: 'admin' as const } };
/** An admin upload: a multipart body whose handler checks the CSRF token (`multipartCsrf`). */
export const adminUploadRoute = { config: { access: 'admin' as const, multipartCsrf: true } };
export const userOf = (req: FastifyRequest): WebUser => (req as FastifyRequest & { webUser: WebUser }).webUser;
export const HTML = 'text/html; charset=utf-8';

/** `/admin`: the console's pages. Each page is server-rendered; the Overview refreshes its live part. */
export function registerAdminRoutes(web: FastifyInstance, o: AdminDeps & { rt: Runtime }): void {
  const { rt } = o;
  web.get('/admin', adminRoute, async (req, reply) => {
    const d = await overviewData(rt);
    return reply.type(HTML).send(page({
      title: 'Overview', user: userOf(req), surface: 'admin', section: 'overview', scripts: ['admin.js'],
      body: html`<h1>Overview</h1>${overviewPanel(d)}`,
    }).value);
  });
  registerKnowledgeRoutes(web, rt, o);
  registerAdaptersRoutes(web, rt);
  registerFeedbackRoutes(web, rt);
  registerDiagnosesRoutes(web, rt);
  registerAuditRoutes(web, rt);
  web.get('/admin/overview/live', adminRoute, async (_req, reply) => reply.type(HTML).header('cache-control', 'no-store').send(overviewPanel(await overviewData(rt)).value));
}
