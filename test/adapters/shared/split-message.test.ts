import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../adapters/shared/split-message.js';
import { stripSlackMentions, stripTeamsMentions } from '../../../adapters/shared/strip-mention.js';

describe('splitMessage', () => {
  it('keeps a short message whole', () => {
    expect(splitMessage('hello', 100)).toEqual(['hello']);
  });
  it('splits on paragraph boundaries and loses no words', () => {
    const paras = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} ${'word '.repeat(20).trim()}.`);
    const text = paras.join('\n\n');
    const parts = splitMessage(text, 400);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(400);
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
    expect(parts.every((p) => p.startsWith('Paragraph'))).toBe(true);
  });
  it('hard-splits a single long word', () => {
    const parts = splitMessage('x'.repeat(250), 100);
    expect(parts.map((p) => p.length)).toEqual([100, 100, 50]);
  });
  it('closes and reopens a code fence that has to be split', () => {
    const code = '```\n' + Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') + '\n```';
    const parts = splitMessage(code, 120);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect((p.match(/```/g) ?? []).length % 2).toBe(0);
      expect(p.length).toBeLessThanOrEqual(120);
    }
  });
});

describe('mention stripping', () => {
  it('removes the bot mention in Slack text, keeps others', () => {
    expect(stripSlackMentions('<@UBOT> ask <@U2> about <@UBOT|r1> it', 'UBOT')).toBe('ask <@U2> about it');
  });
  it('removes Teams <at> mentions of the bot', () => {
    expect(stripTeamsMentions('<at>R1</at>&nbsp;why <at>Bob</at>?', ['R1'])).toBe('why Bob?');
  });
});
