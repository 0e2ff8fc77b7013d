import type { GenerationChunk } from '../types.js';

const OPEN = '<think>';
const CLOSE = '</think>';

/**
 * Splits R1 `content` deltas into thought and answer chunks when the server leaves the reasoning
 * inline (`<think>…</think>` in `content`: vLLM or SGLang without a reasoning parser, llama-server
 * with `--reasoning-format none`). A tag may arrive split over deltas, so a possible tag prefix at
 * the end of a delta is held back until the next one decides.
 *
 * Newer R1 chat templates put `<think>\n` in the prompt, so the output has only the closing tag;
 * the text before a lone `</think>` streams as answer here and is moved to the reasoning by
 * `stripThinkTags` when the answer is stored.
 */
export class ThinkTagStream {
  private inThought = false;
  private held = '';

  /** Feeds one delta; returns the chunks it completes. */
  push(text: string): GenerationChunk[] {
    // Most deltas hold no `<` at all: no tag and no tag prefix to hold back (one chunk, no slicing).
    if (!this.held && !text.includes('<')) return text ? [{ kind: this.inThought ? 'thought' : 'answer', text }] : [];
    let s = this.held + text;
    this.held = '';
    const out: GenerationChunk[] = [];
    const emit = (kind: GenerationChunk['kind'], t: string) => {
      if (!t) return;
      const last = out.at(-1);
      if (last && last.kind === kind) last.text += t;
      else out.push({ kind, text: t });
    };
    for (;;) {
      const tag = this.inThought ? CLOSE : OPEN;
      const at = s.indexOf(tag);
      if (at >= 0) {
        emit(this.inThought ? 'thought' : 'answer', s.slice(0, at));
        this.inThought = !this.inThought;
        s = s.slice(at + tag.length);
        continue;
      }
      // Hold back a suffix that could be the start of the tag.
      let keep = 0;
      for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) {
        if (tag.startsWith(s.slice(s.length - n))) {
          keep = n;
          break;
        }
      }
      emit(this.inThought ? 'thought' : 'answer', s.slice(0, s.length - keep));
      this.held = s.slice(s.length - keep);
      return out;
    }
  }

  /** The held-back text at the end of the stream. */
  flush(): GenerationChunk[] {
    const t = this.held;
    this.held = '';
    return t ? [{ kind: this.inThought ? 'thought' : 'answer', text: t }] : [];
  }
}
