import { describe, expect, it } from 'vitest';
import type { OutgoingReply } from '../../../src/index.js';
import { knowledgeBlocks, MODEL_ONLY_NOTE, NO_MATCH_NOTE, sourceLine } from '../../../adapters/slack/knowledge-blocks.js';

const reply = (extra: Partial<OutgoingReply>): OutgoingReply => ({
  messageId: '1', key: { platform: 'slack', tenant: 'T', channel: 'C', thread: '1' }, status: 'answered', answer: 'a', reasoning: '', reply: {}, ...extra,
});

describe('Slack knowledge blocks', () => {
  it('renders local and web sources with escaping and a web badge', () => {
    expect(sourceLine({ n: 1, title: 'Pumps <A&B>', section: 'Faults › E-1', source: 'a/b.md' })).toBe('[1] *Pumps &lt;A&amp;B&gt;* › Faults › E-1 · `a/b.md`');
    expect(sourceLine({ n: 2, title: 'FAQ', section: '', source: 'https://x.example/a|b', web: true })).toBe('[2] :globe_with_meridians: *web* · <https://x.example/a%7Cb|FAQ>');
  });

  it('lists sources under a divider, and notes model-only or nothing-found answers', () => {
    const b = knowledgeBlocks(reply({ sources: [{ n: 1, title: 'T', section: 'S', source: 'p.md' }] }));
    expect(b).toEqual([{ type: 'divider' }, { type: 'section', text: { type: 'mrkdwn', text: '*Sources*\n[1] *T* › S · `p.md`' } }]);
    expect(JSON.stringify(knowledgeBlocks(reply({ modelOnly: true })))).toContain(MODEL_ONLY_NOTE);
    expect(JSON.stringify(knowledgeBlocks(reply({ noMatch: true })))).toContain(NO_MATCH_NOTE);
    expect(knowledgeBlocks(reply({}))).toEqual([]);
    expect(knowledgeBlocks(reply({ status: 'failed', modelOnly: true }))).toEqual([]);
  });

  it('keeps the section under Slack\'s 3,000 characters', () => {
    const sources = Array.from({ length: 40 }, (_, i) => ({ n: i + 1, title: 'x'.repeat(100), section: 'y'.repeat(50), source: `${i}.md` }));
    const text = (knowledgeBlocks(reply({ sources }))[1] as { text: { text: string } }).text.text;
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/… and \d+ more$/);
  });
});
