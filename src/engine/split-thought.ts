/** A response item from node-llama-cpp's `promptWithMeta`: text, or a segment such as R1's thought. */
export type ResponseItem = string | { type: string; segmentType?: string; text?: string };

/**
 * Splits a DeepSeek-R1 response into reasoning and answer. node-llama-cpp's DeepSeek wrapper
 * reports `<think>…</think>` as a `thought` segment; anything still looking like a think block in
 * the text (a model or template that slipped past the wrapper) is moved out of the answer too.
 */
export function splitThought(items: readonly ResponseItem[]): { answer: string; reasoning: string } {
  let answer = '';
  const reasoning: string[] = [];
  for (const it of items) {
    if (typeof it === 'string') answer += it;
    else if (it.type === 'segment' && it.segmentType === 'thought') reasoning.push(it.text ?? '');
    else if (typeof it.text === 'string') answer += it.text;
  }
  const stray = stripThinkTags(answer);
  if (stray.reasoning) reasoning.push(stray.reasoning);
  return { answer: stray.answer.trim(), reasoning: reasoning.join('\n').trim() };
}

/** Removes `<think>…</think>` blocks (and an unterminated leading one) from text. */
export function stripThinkTags(text: string): { answer: string; reasoning: string } {
  const found: string[] = [];
  let out = text.replace(/<think>([\s\S]*?)<\/think>/g, (_m, inner: string) => {
    found.push(inner);
    return '';
  });
  const open = out.indexOf('<think>');
  if (open >= 0) {
    found.push(out.slice(open + 7));
    out = out.slice(0, open);
  }
  out = out.replace(/<\/think>/g, '');
  return { answer: out, reasoning: found.join('\n').trim() };
}
