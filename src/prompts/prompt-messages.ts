import { createHash } from 'node:crypto';
import type { BuiltPrompt } from './build-prompt.js';

/** One message as the model saw it, in the chat shape fine-tuning tools read (OpenAI, TRL). */
export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The messages the engine is given for a built prompt, in order: the context turns (system prompt,
 * kept history) and then the question as the final user turn — exactly the `context` and
 * `question` of the `generate` call, so a dataset trains on what the model saw. Pure.
 */
export function toPromptMessages(p: Pick<BuiltPrompt, 'context' | 'question'>): PromptMessage[] {
  return [...p.context.map((t) => ({ role: t.role, content: t.text })), { role: 'user' as const, content: p.question }];
}

/** sha256 (hex) of the system turn's text: names the system prompt version an answer used. */
export function systemPromptSha256(p: Pick<BuiltPrompt, 'context'>): string {
  const system = p.context.find((t) => t.role === 'system')?.text ?? '';
  return createHash('sha256').update(system, 'utf8').digest('hex');
}
