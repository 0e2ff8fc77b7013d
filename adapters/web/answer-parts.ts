import { MODEL_ONLY_NOTE, NO_MATCH_NOTE, shownReadText, type ImageReading, type SourceRef } from '../../src/index.js';
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


/**
 * Under an answer to a question with pictures: per image, the text read from it (exactly as OCR
 * read it, so the asker can check it) and the image model's description, or why it was left out.
 */
export function imageReadings(images: readonly ImageReading[]): SafeHtml {
  if (!images.length) return html``;
  return html`<div class="image-readings">${images.map((i) => {
    const name = i.name || `image ${i.n}`;
    if (i.status !== 'read') return html`<p class="note warn" role="note">⚠️ ${i.note ?? `${name} could not be read`}.</p>`;
    return html`<figure class="reading"><figcaption>Text read from ${name}</figcaption>
      ${i.text.trim() ? html`<pre>${shownReadText(i.text.trim())}</pre>` : html`<p class="muted small">No legible text.</p>`}
      ${i.description ? html`<p class="small"><em>Image model:</em> ${i.description}</p>` : ''}</figure>`;
  })}</div>`;
}
