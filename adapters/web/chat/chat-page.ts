import { CORRECTION_MAX_CHARS, IMAGE_TYPES, READABLE_TYPES_TEXT, WEB_ALL_GROUP, formatBytes, type ImageReading, type MessageRow, type SourceRef, type WebChat } from '../../../src/index.js';
import { imageReadings, knowledgeNote, sourcesList } from '../answer-parts.js';
import { html, when, type SafeHtml } from '../html.js';
import { ICONS } from '../icons.js';
import { page } from '../layout.js';
import { renderMarkdown } from '../markdown.js';
import { diagnoseOfferForms, diagnosisHtml, diagnosisOutcomeForm, type AnswerDiagnosis } from './diagnosis-html.js';
import type { WebUser } from '../web-auth.js';

export interface ChatTurn {
  row: MessageRow;
  sources: SourceRef[];
  knowledge: string | null;
  /** This user's vote on the answer. */
  vote: 'up' | 'down' | null;
  /** This user's correction ("what would have been right?"), with a 👎. */
  correction: string | null;
  /** What was read from the question's images (or why one was left out). */
  images: ImageReading[];
  /** A `/diagnose` answer's structured result; Diagnose offers under an answer to a picture. */
  diagnosis?: AnswerDiagnosis;
}

const groupLabel = (g: string) => (g === WEB_ALL_GROUP ? 'everyone' : g);

export function voteForm(user: WebUser, messageId: string, vote: 'up' | 'down' | null): SafeHtml {
  return html`<form class="vote" method="post" action="/chat/feedback" data-message-id="${messageId}">
    <input type="hidden" name="_csrf" value="${user.csrfToken}"><input type="hidden" name="message" value="${messageId}">
    <button type="submit" name="value" value="up" aria-pressed="${String(vote === 'up')}" aria-label="Helpful" title="Helpful">${ICONS.up}</button>
    <button type="submit" name="value" value="down" aria-pressed="${String(vote === 'down')}" aria-label="Not helpful" title="Not helpful">${ICONS.down}</button>
  </form>`;
}

/**
 * After a 👎: "What would have been right?", stored with the answer (`recordCorrection`: the same
 * rules as Slack and Teams; a later correction replaces the earlier one).
 */
export function correctionForm(user: WebUser, messageId: string, correction: string | null): SafeHtml {
  return html`<form class="correction stack" method="post" action="/chat/correction" data-message-id="${messageId}">
    <input type="hidden" name="_csrf" value="${user.csrfToken}"><input type="hidden" name="message" value="${messageId}">
    <label for="correction-${messageId}">What would have been right?</label>
    <textarea id="correction-${messageId}" name="text" rows="3" required maxlength="${CORRECTION_MAX_CHARS}" placeholder="The right answer, or what was wrong. It is kept with this answer to improve the assistant.">${correction ?? ''}</textarea>
    <p class="small" role="status">${correction ? 'Your correction is saved with this answer.' : ''}</p>
    <button class="button small primary" type="submit">Save correction</button>
  </form>`;
}

/** The names of the images sent with a question. */
export function attachmentList(names: readonly string[]): SafeHtml {
  if (!names.length) return html``;
  return html`<ul class="attachments" aria-label="Attached images">${names.map((n) => html`<li class="chip">${ICONS.image} ${n}</li>`)}</ul>`;
}

/** The finished answer: the structured diagnosis (with its outcome buttons), or the Markdown answer. */
export function answerBody(user: WebUser, answer: string, d: AnswerDiagnosis | undefined): SafeHtml {
  return d?.diagnosis ? html`${diagnosisHtml(d.diagnosis)}${diagnosisOutcomeForm(user, d.diagnosis)}` : renderMarkdown(answer);
}

function turn(user: WebUser, t: ChatTurn): SafeHtml {
  const r = t.row;
  const busy = r.status === 'generating';
  // A diagnosis row's question is the request after the command (`P-101 E-214 …`): shown as typed.
  const question = r.kind === 'diagnose' ? `/diagnose ${r.question}` : r.question;
  return html`<article class="turn">
    <div class="msg user-msg"><p>${question}</p>${attachmentList(t.images.map((i) => i.name || `image ${i.n}`))}</div>
    <div class="msg bot-msg" ${busy ? html`data-job-id="${r.jobId}"${r.kind === 'diagnose' ? html` data-stoppable="false"` : ''}` : ''}>
      ${r.reasoning ? html`<details class="reasoning"><summary>Reasoning</summary><div class="thought">${r.reasoning}</div></details>` : ''}
      <div class="answer">${busy ? html`<p class="status" role="status">Answering…</p>` : r.status === 'failed' ? html`<p class="error">This answer failed. Please ask again.</p>` : answerBody(user, r.answer ?? '', t.diagnosis)}</div>
      ${r.status === 'stopped' ? html`<p class="note">Stopped.</p>` : ''}
      ${busy ? '' : html`${imageReadings(t.images)}${diagnoseOfferForms(user, r.key.thread, t.diagnosis?.offers ?? [])}${sourcesList(t.sources)}${knowledgeNote(t.knowledge)}`}
      <footer class="meta"><span class="muted small">${when(r.deliveredAt ?? undefined)}</span>${busy || r.status === 'failed' ? '' : voteForm(user, r.id, t.vote)}</footer>
      ${!busy && r.status !== 'failed' && t.vote === 'down' ? correctionForm(user, r.id, t.correction) : ''}
    </div>
  </article>`;
}

export interface ChatPageInput {
  user: WebUser;
  chats: WebChat[];
  chat?: WebChat;
  turns: ChatTurn[];
  /** A refusal to show above the form (no-JS path). */
  notice?: string;
  /** Information to show above the form (`/diagnose history`), not an error. */
  info?: string;
  /** IMAGE_MAX_BYTES and IMAGE_MAX_COUNT, for the attach button's hint. */
  imageLimits: { maxBytes: number; maxCount: number };
}

/** `/chat` and `/chat/c/:id`: the conversation list, the conversation, and the question form. */
export function chatPage(p: ChatPageInput): SafeHtml {
  const { user, chat } = p;
  const groups = [...user.groups, WEB_ALL_GROUP];
  const busy = p.turns.some((t) => t.row.status === 'generating');
  const imageHint = `Up to ${p.imageLimits.maxCount} pictures (${READABLE_TYPES_TEXT}), each up to ${formatBytes(p.imageLimits.maxBytes)}: the text on them is read and used for the answer`;
  const body = html`<div class="chat-shell">
  <nav class="chat-list" aria-label="Your conversations">
    <a class="button primary new-chat" href="/chat">${ICONS.plus} New chat</a>
    ${p.chats.length ? html`<ul>${p.chats.map((c) => html`<li><a href="/chat/c/${c.id}" ${c.id === chat?.id ? html`aria-current="page"` : ''}>
      <span class="title">${c.title}</span><span class="muted small">${when(c.updatedAt)}</span></a></li>`)}</ul>` : html`<p class="muted small">No conversations yet.</p>`}
  </nav>
  <section class="conversation" aria-label="Conversation">
    <div class="turns" id="turns" aria-live="polite">
      ${p.turns.length ? p.turns.map((t) => turn(user, t)) : html`<div class="empty"><h1>Ask the assistant</h1>
        <p class="muted">Answers come from the site's own model${chat ? '' : ', with the documents your groups can see'}. Sources are listed under each answer.
        <code>/diagnose &lt;asset&gt; &lt;fault code or symptom&gt;</code> diagnoses a registered machine.</p></div>`}
    </div>
    ${busy ? html`<noscript><meta http-equiv="refresh" content="3"></noscript>` : ''}
    ${p.notice ? html`<p class="error" role="alert">${p.notice}</p>` : ''}
    ${p.info ? html`<p class="info" role="status">${p.info}</p>` : ''}
    <form class="ask" method="post" action="/chat/ask" id="ask-form" enctype="multipart/form-data">
      <input type="hidden" name="_csrf" value="${user.csrfToken}">
      ${chat ? html`<input type="hidden" name="chat" value="${chat.id}">` : ''}
      <label for="question" class="visually-hidden">Your question</label>
      <textarea id="question" name="text" rows="2" required maxlength="20000" placeholder="Ask a question, or paste a picture… (Enter to send, Shift+Enter for a new line)"></textarea>
      <ul class="attachments" id="attachments" aria-live="polite" hidden></ul>
      <div class="ask-actions">
        <label class="button attach" title="${imageHint}">${ICONS.image} <span class="attach-text">Attach images</span><input type="file" id="images" name="images" multiple accept="${IMAGE_TYPES.join(',')}" class="visually-hidden"></label>
        ${chat ? html`<span class="chip" title="Documents this conversation can use">Knowledge: ${groupLabel(chat.group)}</span>`
          : groups.length > 1 ? html`<label class="small">Knowledge <select name="group">${groups.map((g) => html`<option value="${g}">${groupLabel(g)}</option>`)}</select></label>` : ''}
        <button type="button" class="button danger" id="stop" hidden>${ICONS.stop} Stop</button>
        <button type="submit" class="button primary" id="send">${ICONS.send} Send</button>
      </div>
    </form>
  </section>
</div>`;
  return page({ title: chat?.title ?? 'Chat', user, surface: 'chat', scripts: ['chat.js'], body });
}
