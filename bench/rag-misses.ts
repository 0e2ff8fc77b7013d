// Failure analysis for the full-text retriever on one split of the labelled Klipper questions:
// for every question missed at 5, the question, its labels, and the top 5 returned with scores
// and matched share. `npx tsx bench/rag-misses.ts [--split tune] [--all]` (`--all`: every question).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createPgliteDb, createRetriever, ingestPaths, migrate } from '../src/index.js';
import { isRelevant, loadQuestions, splitOf, type Split } from './rag-quality.js';

const SHARED = process.env.R1_SHARED_DIR ?? path.resolve(import.meta.dirname, '../../shared');
const KLIPPER_DIR = path.join(SHARED, 'corpora', 'klipper-docs', 'docs');

const { values } = parseArgs({ options: { split: { type: 'string', default: 'tune' }, all: { type: 'boolean' } } });
if (!existsSync(KLIPPER_DIR)) throw new Error(`${KLIPPER_DIR} not found (set R1_SHARED_DIR)`);
const set = splitOf(await loadQuestions(), values.split as Split);
const db = await createPgliteDb({ dataDir: 'memory://' });
await migrate(db);
await ingestPaths({ db, scope: 'klipper', paths: [KLIPPER_DIR] });
const r = createRetriever({ db, alpha: 1, minBestMatch: 0 });
let missed = 0;
for (const q of set.questions) {
  const hits = await r.retrieve({ scopes: ['klipper'], query: q.q, k: 10 });
  const first = hits.findIndex((h) => isRelevant(h, q));
  if (!values.all && first >= 0 && first < 5) continue;
  if (first < 0 || first >= 5) missed++;
  console.log(`\n[${q.kind}] ${q.q}`);
  console.log(`  expected: ${q.relevant.map((x) => `${x.doc} › ${x.section ?? '*'}`).join(' | ')}   (first relevant at ${first < 0 ? '>10' : first + 1})`);
  const { rows: terms } = await db.query<{ lexeme: string; df: number; dfp: number }>(
    `SELECT l.lexeme, coalesce((SELECT ndoc FROM kb_terms WHERE lexeme = l.lexeme), 0) AS df,
       (SELECT coalesce(sum(ndoc), 0) FROM kb_terms WHERE lexeme >= l.lexeme AND lexeme < l.lexeme || chr(1114111)) AS dfp
     FROM unnest(to_tsvector('english', $1 || ' ' || coalesce(kb_tech_terms($1), ''))) l`, [q.q]);
  console.log(`  terms: ${terms.map((t) => `${t.lexeme}(${t.df}${Number(t.dfp) > Number(t.df) && t.lexeme.length >= 4 ? `/${t.dfp}*` : ''})`).join(' ')}`);
  for (const [i, h] of hits.slice(0, 5).entries()) console.log(`  ${i + 1}. ${h.score.toFixed(3)} ${h.source} › ${h.headingPath.slice(1).join(' › ')}`);
}
console.log(`\n${missed}/${set.questions.length} missed at 5`);
await db.close();
