import { MODEL_ONLY_NOTE, NO_MATCH_NOTE, type SourceRef } from '../../src/index.js';
import { html, type SafeHtml } from './html.js';

// Parts of an answer that the chat and the admin console's Feedback page both show.

/** Sources under an answer: numbered like the `[n]` marks in it. */
export function sourcesList(sources: SourceRef[]): SafeHtml {
  if (!sources.length) return html``;
  return html`<details class="sources" open><summary>Sources (${sources.length})</summary><ol>
    ${sources.map((s) => html`<li value="${s.n}"><span class="src-title">${s.title}</span>${s.section ? html` <span class="muted">· ${s.section}</span>` : ''}
      <div class="muted small">${/^https?:\/\//.test(s.source) ? html`<a href="${s.source}" rel="noopener noreferrer">${s.source}</a>` : s.source}</div></li>`)}
  </ol></details>`;
}

/** The note under an answer that used no documents. */
export function knowledgeNote(knowledge: string | null): SafeHtml {
  if (knowledge === 'model_only') return html`<p class="note">${MODEL_ONLY_NOTE}</p>`;
  if (knowledge === 'no_match') return html`<p class="note">${NO_MATCH_NOTE}</p>`;
  return html``;
}

