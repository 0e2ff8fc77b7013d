import type { SourceRef } from './types.js';

/** Shown under a model-only answer (the channel has no knowledge scope). Every surface uses these words. */
export const MODEL_ONLY_NOTE = 'Model-only answer: no knowledge scope is attached to this channel, so nothing here is cited.';
/** Shown when the channel has knowledge but nothing relevant was found. */
export const NO_MATCH_NOTE = 'Nothing relevant was found in the documents attached to this channel; this answer cites no source.';

export interface KnowledgeOutcome {
  sources?: SourceRef[];
  modelOnly?: boolean;
  noMatch?: boolean;
}

/** One source as plain markdown: `[n] **Title** › Section · `path`` or `[n] 🌐 web · [Title](url)`. */
export function sourceMarkdown(s: SourceRef): string {
  if (s.web) return `[${s.n}] 🌐 web · [${s.title}](${s.source})`;
  return `[${s.n}] **${s.title}**${s.section ? ` › ${s.section}` : ''} · \`${s.source}\``;
}

/**
 * What goes under an answer on surfaces that show markdown (console, HTTP API, web chat): the
 * numbered sources, or the model-only / nothing-found note — the same words Slack and Teams show.
 * Empty when there is nothing to say.
 */
export function knowledgeMarkdown(k: KnowledgeOutcome): string {
  if (k.sources && k.sources.length > 0) return ['**Sources**', ...k.sources.map(sourceMarkdown)].join('\n');
  if (k.modelOnly) return `_${MODEL_ONLY_NOTE}_`;
  if (k.noMatch) return `_${NO_MATCH_NOTE}_`;
  return '';
}
