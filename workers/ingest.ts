// `npm run ingest -- --scope <name> [--prune] <files or folders…>`: loads documents into a knowledge scope.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { createLogger, ingestPaths, LlamaEmbedder, migrate, openDb, type IngestSummary } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = 'usage: npm run ingest -- --scope <name> [--prune] <files or folders…>\n' +
  '  Markdown, plain text, HTML and PDF. Sources are shown relative to the folder given.\n' +
  '  --prune  delete documents of the scope that are not in the given paths';

function parse() {
  try {
    const { values, positionals } = parseArgs({ allowPositionals: true, options: { scope: { type: 'string' }, prune: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (!values.scope || positionals.length === 0) throw new Error('--scope and at least one file or folder are required');
    return { scope: values.scope, prune: values.prune === true, paths: positionals };
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

function formatSummary(s: IngestSummary): string {
  const lines = [
    `scope ${s.scope}: ${s.files} files: ${s.added} added, ${s.replaced} replaced, ${s.unchanged} unchanged, ${s.failed.length} failed` +
      `${s.unsupported ? `, ${s.unsupported} skipped (unsupported type)` : ''}${s.pruned ? `, ${s.pruned} pruned` : ''}; ${s.chunks} chunks written in ${(s.ms / 1000).toFixed(1)} s`,
  ];
  for (const f of s.failed) lines.push(`  failed: ${f.error}`);
  return lines.join('\n');
}

const args = parse();
const cfg = loadConfigOrExit();
const log = createLogger({ level: cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL });
const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
let embedder: LlamaEmbedder | undefined;
const bar = new SingleBar({ format: 'ingest [{bar}] {value}/{total} {source}', hideCursor: true, stream: process.stderr }, Presets.shades_classic);
try {
  await migrate(db);
  if (cfg.EMBEDDING_MODEL_PATH) {
    embedder = await LlamaEmbedder.create({ modelPath: cfg.EMBEDDING_MODEL_PATH, threads: cfg.EMBEDDING_THREADS, contextSize: cfg.EMBEDDING_CONTEXT_SIZE, gpu: cfg.LLAMA_GPU, log });
  }
  let started = false;
  const summary = await ingestPaths({
    db, scope: args.scope, paths: args.paths, prune: args.prune, embedder,
    maxChars: cfg.RAG_CHUNK_MAX_CHARS, overlapChars: cfg.RAG_CHUNK_OVERLAP_CHARS,
    onProgress: (p) => {
      if (!started) {
        bar.start(p.total, 0, { source: '' });
        started = true;
      }
      bar.update(p.done, { source: p.source.length > 50 ? `…${p.source.slice(-49)}` : p.source });
    },
  });
  if (started) bar.stop();
  console.log(formatSummary(summary));
  process.exitCode = summary.failed.length > 0 ? 1 : 0;
} catch (e) {
  bar.stop();
  process.stderr.write(`ingest failed: ${(e as Error).message}\n`);
  process.exitCode = 2;
} finally {
  await embedder?.close();
  await db.close();
}
