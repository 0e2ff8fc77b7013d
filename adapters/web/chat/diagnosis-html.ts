import {
  LIKELIHOOD_LABEL, citeMarks, faultLine, findDiagnoseOffers, getDiagnosisByMessageId, toDiagnosisView, type Db, type DiagnoseOffer, type DiagnosisView, type ImageReading,
} from '../../../src/index.js';
import { sourcesList } from '../answer-parts.js';
import { html, type SafeHtml } from '../html.js';
import type { WebUser } from '../web-auth.js';

/** The web chat's `/diagnose` prefix: `/diagnose P-101 E-214 …` → `P-101 E-214 …`; null for a question. */
export function diagnoseArgs(text: string): string | null {
  const m = /^\s*\/diagnose(?:\s+([\s\S]*))?$/i.exec(text);
  return m ? (m[1] ?? '').trim() : null;
}

/**
 * A diagnosis as HTML, in the order of the Slack and Teams cards (a technician's order): machine and
 * fault (with the catalogue's severity), safety first, ranked causes with likelihood and cited
 * manual sections, checks in order with the expected observation, parts, whether to escalate,
 * sources. Every text comes from the model or the registry and is escaped by {@link html}.
 */
export function diagnosisHtml(view: DiagnosisView): SafeHtml {
  const r = view.result;
  if (!r) return html`<div class="diagnosis"><h3>${view.title}</h3><p class="error">This diagnosis failed. Please try again.</p></div>`;
  const a = r.asset;
  const fault = faultLine(r);
  const reason = r.escalate.reason ? ` — ${r.escalate.reason}` : '';
  return html`<div class="diagnosis">
    <h3>${view.title}</h3>
    <p class="asset"><strong>${a.id}</strong> ${a.name} · model ${a.model}${a.location ? ` · ${a.location}` : ''}</p>
    ${fault ? html`<p class="fault"><strong>Fault:</strong> ${fault}</p>` : ''}
    ${r.safety.length ? html`<section class="safety" aria-label="Safety first"><h4>⚠️ Safety first</h4><ul>${r.safety.map((s) => html`<li>${s}</li>`)}</ul></section>` : ''}
    <section class="causes" aria-label="Probable causes"><h4>Probable causes</h4><ol>${r.causes.map((c) => html`<li>${c.cause} — <span class="likelihood ${c.likelihood}">${LIKELIHOOD_LABEL[c.likelihood]} likelihood</span>${c.evidence.length ? html` <span class="cites">${citeMarks(c.evidence)}</span>` : ''}</li>`)}</ol></section>
    <section class="checks" aria-label="Checks, in order"><h4>Checks, in order</h4><ol>${r.checks.map((c) => html`<li>${c.step}<br><span class="muted small">→ expect: ${c.expect}</span></li>`)}</ol></section>
    ${r.parts.length ? html`<section class="parts" aria-label="Parts that may be needed"><h4>Parts that may be needed</h4><ul>${r.parts.map((p) => html`<li>${p}</li>`)}</ul></section>` : ''}
    <p class="escalate">${r.escalate.needed ? html`🚨 <strong>Escalate:</strong> yes${reason}` : html`<strong>Escalate:</strong> not needed${reason}`}</p>
    ${r.sources.length ? sourcesList(r.sources) : html`<p class="note">No manual section matched: this diagnosis is from the model alone and cites nothing.</p>`}
  </div>`;
}

/**
 * Under a diagnosis, as Slack's and Teams' buttons: **Resolved** (a resolved diagnosis becomes a
 * labelled example) and **Not resolved — escalate**, then the outcome recorded (the last press
 * wins), with the asset's on-call group when escalated. A plain form: works without JavaScript.
 */
export function diagnosisOutcomeForm(user: WebUser, view: DiagnosisView): SafeHtml {
  const o = view.outcome;
  const oncall = view.result?.asset.oncall;
  const by = (id: string) => (id === user.userId ? 'you' : id);
  const said = !o ? '' : o.value === 'resolved' ? `✅ Resolved — marked by ${by(o.by)}. It is kept as a labelled example.`
    : `🚨 Not resolved — escalated by ${by(o.by)}${oncall ? `; on-call: ${oncall}` : '; no on-call group is registered for this asset'}.`;
  return html`<form class="diagnosis-outcome" method="post" action="/chat/diagnosis">
    <input type="hidden" name="_csrf" value="${user.csrfToken}"><input type="hidden" name="diagnosis" value="${view.diagnosisId}">
    ${view.result ? html`<button class="button small primary" type="submit" name="value" value="resolved">Resolved</button>
    <button class="button small danger" type="submit" name="value" value="escalated">Not resolved — escalate</button>` : ''}
    ${said ? html`<p class="small outcome" role="status">${said}</p>` : ''}
  </form>`;
}

/**
 * Under an answer to a question with a picture whose text names a registered asset (or a fault
 * code of one): a 🔧 Diagnose button per offer, as in Slack and Teams. Each is a plain form that
 * posts `/diagnose <args>` into the same conversation (works without JavaScript).
 */
export function diagnoseOfferForms(user: WebUser, chatId: string, offers: readonly DiagnoseOffer[]): SafeHtml {
  if (!offers.length) return html``;
  return html`<div class="diagnose-offers">${offers.map((o) => html`<form method="post" action="/chat/ask" class="diagnose-offer">
    <input type="hidden" name="_csrf" value="${user.csrfToken}"><input type="hidden" name="chat" value="${chatId}"><input type="hidden" name="text" value="/diagnose ${o.args}">
    <button class="button small" type="submit">🔧 Diagnose ${o.assetId}${o.faultCode ? ` (${o.faultCode})` : ''}</button></form>`)}</div>`;
}

/** What a web answer adds for diagnoses: its structured result, or Diagnose offers from the text read off its pictures. */
export interface AnswerDiagnosis {
  diagnosis: DiagnosisView | null;
  offers: DiagnoseOffer[];
}

/**
 * The diagnosis stored with a message (a `/diagnose` answer; looked up when `kind` is unknown), else the Diagnose offers for an
 * answered question whose pictures name a registered asset or fault code (as Slack's delivery does).
 */
export async function answerDiagnosis(db: Db, message: { id: string; kind?: string }, images: readonly ImageReading[], finished: boolean): Promise<AnswerDiagnosis> {
  // A message of a known kind other than a diagnosis costs no query.
  const row = message.kind === undefined || message.kind === 'diagnose' ? await getDiagnosisByMessageId(db, message.id) : null;
  if (row) return { diagnosis: toDiagnosisView(row), offers: [] };
  const read = images.map((i) => i.text).filter(Boolean).join('\n');
  return { diagnosis: null, offers: finished && read ? await findDiagnoseOffers(db, read) : [] };
}
