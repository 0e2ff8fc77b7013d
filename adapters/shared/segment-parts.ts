import { splitMessage } from './split-message.js';

/**
 * Splits the final answer along the segments the live answer already used (so each message keeps
 * the text it showed while streaming, on any platform), each part at most `max` characters; the last segment's
 * text continues in further parts when it is longer. Falls back to a plain split when the final
 * text no longer fits those boundaries (or a part would be blank, which Slack refuses). Except in that
 * fallback, the parts concatenate to `text` exactly.
 */
export function partsAlongSegments(text: string, starts: number[], max: number): string[] {
  if (starts.length === 0) return splitMessage(text, max);
  const bounds = starts.slice(1).filter((b) => b < text.length);
  const parts: string[] = [];
  let from = 0;
  for (const b of bounds) {
    if (b <= from || b - from > max) return splitMessage(text, max);
    parts.push(text.slice(from, b));
    from = b;
  }
  let rest = text.slice(from);
  do {
    const cut = cutPoint(rest, max);
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  } while (rest.length > 0);
  return parts.some((p) => p.trim() === '') ? splitMessage(text, max) : parts;
}

/**
 * Where to cut `text` so the first piece fits `max` characters: after the last newline, else the
 * last space, in the second half of the window; else hard at `max`.
 */
export function cutPoint(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const window = text.slice(0, max);
  const nl = window.lastIndexOf('\n');
  if (nl >= max / 2) return nl + 1;
  const sp = window.lastIndexOf(' ');
  if (sp >= max / 2) return sp + 1;
  return max;
}
