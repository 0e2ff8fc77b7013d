/**
 * Splits a long reply into parts of at most `maxChars`, preferring paragraph, then line, then
 * sentence, then word boundaries, and never splitting inside a fenced code block when avoidable
 * (a block that must be split is closed and reopened so each part renders).
 */
export function splitMessage(text: string, maxChars: number): string[] {
  if (maxChars < 20) throw new Error('splitMessage: maxChars must be at least 20');
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars);
    let cut = -1;
    for (const sep of ['\n\n', '\n', '. ', ' ']) {
      const i = window.lastIndexOf(sep);
      if (i > maxChars * 0.3) {
        cut = i + (sep === '. ' ? 1 : 0);
        break;
      }
    }
    if (cut <= 0) cut = maxChars;
    let part = rest.slice(0, cut).trimEnd();
    rest = rest.slice(cut).trimStart();
    const fences = (part.match(/```/g) ?? []).length;
    if (fences % 2 === 1) {
      // Inside a code block: close it here, reopen it in the next part.
      if (part.length + 4 > maxChars) {
        const over = part.length + 4 - maxChars;
        rest = part.slice(part.length - over) + rest;
        part = part.slice(0, part.length - over);
      }
      part += '\n```';
      rest = '```\n' + rest;
    }
    parts.push(part);
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}
