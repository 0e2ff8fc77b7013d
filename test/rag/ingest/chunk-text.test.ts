import { describe, expect, it } from 'vitest';
import { chunkText, titleOf } from '../../../src/rag/index.js';

describe('chunkText', () => {
  it('splits by headings and keeps the heading path, outermost first', () => {
    const md = '# Manual\n\nIntro.\n\n## Faults\n\n### E-1\n\nBody one.\n\n## Care\n\nBody two.\n';
    expect(chunkText(md)).toEqual([
      { headingPath: ['Manual'], text: 'Intro.' },
      { headingPath: ['Manual', 'Faults', 'E-1'], text: 'Body one.' },
      { headingPath: ['Manual', 'Care'], text: 'Body two.' },
    ]);
  });

  it('ignores # lines inside code fences and keeps a fence whole', () => {
    const md = '# Config\n\n```ini\n# a comment, not a heading\nkey = 1\n```\n\nAfter.\n';
    const c = chunkText(md);
    expect(c).toHaveLength(1);
    expect(c[0]!.headingPath).toEqual(['Config']);
    expect(c[0]!.text).toContain('# a comment, not a heading\nkey = 1\n```');
  });

  it('cuts long sections at paragraph boundaries within maxChars, overlapping consecutive chunks', () => {
    const paras = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} ${'word '.repeat(30).trim()}.`);
    const c = chunkText(`# Long\n\n${paras.join('\n\n')}`, { maxChars: 500, overlapChars: 60 });
    expect(c.length).toBeGreaterThan(3);
    for (const ch of c) expect(ch.text.length).toBeLessThanOrEqual(500);
    for (const p of paras) expect(c.some((ch) => ch.text.includes(p))).toBe(true);
    // Each chunk after the first starts with the tail of the previous one.
    for (let i = 1; i < c.length; i++) expect(c[i - 1]!.text.endsWith(c[i]!.text.split('\n\n')[0]!)).toBe(true);
  });

  it('splits a single over-long paragraph at word boundaries', () => {
    const c = chunkText('x '.repeat(2000), { maxChars: 300, overlapChars: 0, syntax: 'plain' });
    expect(c.length).toBeGreaterThan(5);
    for (const ch of c) expect(ch.text.length).toBeLessThanOrEqual(300);
  });

  it('treats # as text in plain syntax', () => {
    expect(chunkText('# not a heading\nline', { syntax: 'plain' })).toEqual([{ headingPath: [], text: '# not a heading\nline' }]);
  });

  it.each([
    [{ maxChars: 50 }, /maxChars/],
    [{ maxChars: 200, overlapChars: 100 }, /overlapChars/],
  ])('rejects bad options %j', (opts, re) => {
    expect(() => chunkText('x', opts)).toThrow(re);
  });

  it('takes the title from the first level-1 heading, else the file name', () => {
    expect(titleOf('```\n# no\n```\n# Real [Title](x)\n', 'a.md')).toBe('Real Title');
    expect(titleOf('no heading', 'Bed_Mesh.md')).toBe('Bed Mesh');
    expect(titleOf('# From `steps_per_mm` and _emphasis_ **bold**', 'x.md')).toBe('From steps_per_mm and emphasis bold');
  });
});
