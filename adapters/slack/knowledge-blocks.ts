import type { types as SlackTypes } from '@slack/bolt';
import { MODEL_ONLY_NOTE, NO_MATCH_NOTE, type OutgoingReply, type SourceRef } from '../../src/index.js';

/** Slack limits a section's text to 3,000 characters. */
const SECTION_MAX_CHARS = 3000;

export { MODEL_ONLY_NOTE, NO_MATCH_NOTE };

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A URL safe inside `<url|label>`. */
const linkUrl = (u: string) => u.replace(/[|<>\s]/g, (c) => encodeURIComponent(c));

/** One source line: `[n] *Title* › Section · `path`` or, for the web, `[n] 🌐 web · <url|Title>`. */
export function sourceLine(s: SourceRef): string {
  if (s.web) return `[${s.n}] :globe_with_meridians: *web* · <${linkUrl(s.source)}|${esc(s.title)}>`;
  return `[${s.n}] *${esc(s.title)}*${s.section ? ` › ${esc(s.section)}` : ''} · \`${esc(s.source)}\``;
}

/**
 * Blocks shown under an answer: the numbered source list (title, section, path or URL, web
 * badge), or a note that the answer is model-only or found nothing relevant.
 */
export function knowledgeBlocks(r: OutgoingReply): SlackTypes.KnownBlock[] {
  if (r.status === 'failed') return [];
  if (r.sources && r.sources.length > 0) {
    let text = '*Sources*';
    for (const [i, s] of r.sources.entries()) {
      const line = sourceLine(s);
      if (text.length + 1 + line.length > SECTION_MAX_CHARS - 20) {
        text += `\n… and ${r.sources.length - i} more`;
        break;
      }
      text += `\n${line}`;
    }
    return [{ type: 'divider' }, { type: 'section', text: { type: 'mrkdwn', text } }];
  }
  const note = r.modelOnly ? MODEL_ONLY_NOTE : r.noMatch ? NO_MATCH_NOTE : null;
  return note ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `_${note}_` }] }] : [];
}
