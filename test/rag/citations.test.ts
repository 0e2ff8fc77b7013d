import { describe, expect, it } from 'vitest';
import { citedNumbers, fuseRankings, retrievalQuery, sectionOf, stripInvalidCitations, toSourceRefs } from '../../src/rag/index.js';

describe('citations', () => {
  it.each([
    ['Check alignment [1] and the seal [7].', 2, 'Check alignment [1] and the seal.'],
    ['See [2][3] then [1].', 3, 'See [2][3] then [1].'],
    ['No sources: [1] here.', 0, 'No sources: here.'],
    ['Code a[1] and [link](http://x) and [3](y) stay.', 0, 'Code a[1] and [link](http://x) and [3](y) stay.'],
  ])('stripInvalidCitations(%j, %i)', (answer, n, want) => {
    expect(stripInvalidCitations(answer, n)).toBe(want);
  });

  it('lists cited numbers once, ascending', () => {
    expect(citedNumbers('[3] then [1] and [3] again, a[2] is code')).toEqual([1, 3]);
  });

  it('numbers sources in retrieval order and drops the title from the section path', () => {
    const c = { chunkId: '1', scope: 'a', documentId: 'd', title: 'Manual', source: 'm.md', headingPath: ['Manual', 'Faults', 'E-1'], text: 't', score: 1 };
    expect(sectionOf(c)).toBe('Faults › E-1');
    expect(sectionOf({ ...c, headingPath: ['Other', 'X'] })).toBe('Other › X');
    expect(toSourceRefs([c, { ...c, chunkId: '2', source: 'https://x', headingPath: [], web: true }])).toEqual([
      { n: 1, title: 'Manual', source: 'm.md', section: 'Faults › E-1' },
      { n: 2, title: 'Manual', source: 'https://x', section: '', web: true },
    ]);
  });

  it('searches a short follow-up together with the previous question', () => {
    const history = [{ role: 'user' as const, text: 'pump P-101 trips on E-214' }, { role: 'assistant' as const, text: 'check alignment' }];
    expect(retrievalQuery('and after that?', history)).toBe('pump P-101 trips on E-214\nand after that?');
    expect(retrievalQuery('what is the grease interval for the bearings', history)).toBe('what is the grease interval for the bearings');
  });
});

describe('fuseRankings', () => {
  const lex = { weight: 0.5, items: [{ id: 'a', score: 9 }, { id: 'b', score: 5 }, { id: 'c', score: 1 }] };
  const vec = { weight: 0.5, items: [{ id: 'c', score: 0.9 }, { id: 'b', score: 0.8 }, { id: 'd', score: 0.1 }] };
  it('rrf rewards items both lists rank', () => {
    const ids = fuseRankings([lex, vec], 'rrf').map((x) => x.id);
    expect(new Set(ids.slice(0, 2))).toEqual(new Set(['b', 'c']));
    expect(ids.slice(2)).toEqual(['a', 'd']);
  });
  it('weight 1 on one list reproduces that list', () => {
    expect(fuseRankings([{ ...lex, weight: 1 }, { ...vec, weight: 0 }], 'rrf').map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(fuseRankings([{ ...lex, weight: 0 }, { ...vec, weight: 1 }], 'score').map((x) => x.id)).toEqual(['c', 'b', 'd']);
  });
  it('score fusion uses min-max-normalised scores: a list\'s last item adds nothing, its best adds the list\'s weight', () => {
    const f = fuseRankings([lex, vec], 'score');
    expect(f.map((x) => x.id)).toEqual(['b', 'a', 'c', 'd']);
    expect(f.find((x) => x.id === 'a')!.score).toBeCloseTo(0.5);
    expect(f.find((x) => x.id === 'b')!.score).toBeCloseTo(0.5 * 0.5 + 0.5 * 0.875);
    expect(f.find((x) => x.id === 'd')!.score).toBeCloseTo(0);
  });
  it('close cosines of a weak embedding model cannot outweigh the full-text order', () => {
    const text = { weight: 0.9, items: [{ id: 'a', score: 10 }, { id: 'b', score: 9.5 }, { id: 'c', score: 2 }] };
    const flat = { weight: 0.1, items: [{ id: 'c', score: 0.93 }, { id: 'b', score: 0.92 }, { id: 'x', score: 0.91 }] };
    // Divided by the best cosine, 'c' would get 0.1 for being in the vector list at all and pass 'b'.
    expect(fuseRankings([text, flat], 'score').map((x) => x.id)).toEqual(['a', 'b', 'c', 'x']);
    expect(fuseRankings([{ ...text, items: [{ id: 'a', score: 3 }] }], 'score')[0]!.score).toBe(0.9);
  });
});
