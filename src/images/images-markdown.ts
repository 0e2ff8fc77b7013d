import type { ImageReading } from './image-text.js';

/** Longest read text shown per image in a reply (the model saw it all). */
export const READ_TEXT_SHOWN_MAX_CHARS = 1500;

/** The read text, cut to {@link READ_TEXT_SHOWN_MAX_CHARS} at a line end where possible. */
export function shownReadText(text: string): string {
  if (text.length <= READ_TEXT_SHOWN_MAX_CHARS) return text;
  const cut = text.slice(0, READ_TEXT_SHOWN_MAX_CHARS);
  const nl = cut.lastIndexOf('\n');
  return `${nl > READ_TEXT_SHOWN_MAX_CHARS / 2 ? cut.slice(0, nl) : cut}\n…`;
}

/** One line per image for surfaces that show Markdown (console, API, Teams text): what was read, or why not. */
export function imagesMarkdown(images: readonly ImageReading[]): string {
  return images.map((i) => {
    const name = i.name || `image ${i.n}`;
    if (i.status === 'read') {
      const text = i.text.trim() ? `\n\`\`\`\n${shownReadText(i.text.trim()).replace(/```/g, 'ˋˋˋ')}\n\`\`\`` : ' (no legible text)';
      const desc = i.description ? `\n_Image model:_ ${i.description}` : '';
      return `**Text read from ${name}:**${text}${desc}`;
    }
    return `⚠️ ${i.note ?? `${name} could not be read`}.`;
  }).join('\n\n');
}
