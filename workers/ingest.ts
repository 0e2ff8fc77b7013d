// `npm run ingest -- --scope <name> [--prune] <files or folders…>`: loads documents into a knowledge scope.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { cliActor, cliOrigin, recordAudit, createLogger, ingestPaths, LlamaEmbedder, migrate, openDb, runCli, UsageError, type IngestSummary } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = 'usage: npm run ingest -- --scope <name> [--prune] <files or folders…>\n' +
  '  Markdown, plain text, HTML and PDF. Sources are shown relative to the folder given.\n' +
  '  --prune    delete documents of the scope that are not in the given paths\n' +
  '  --verbose  stack traces on errors\n' +
  '  Then attach the scope to a channel, e.g. the terminal console:\n' +
  '  npm run kb -- attach --scope <name> --platform console --team local --channel console';

function parse(args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { scope: { type: 'string' }, prune: { type: 'boolean' } } });
  if (!values.scope || positionals.length === 0) throw new UsageError('--scope and at least one file or folder are required');
  return { scope: values.scope, prune: values.prune === true, paths: positionals };
}

function formatSummary(s: IngestSummary): string {
  const lines = [
    `scope ${s.scope}: ${s.files} files: ${s.added} added, ${s.replaced} replaced, ${s.unchanged} unchanged, ${s.failed.length} failed` +
      `${s.unsupported ? `, ${s.unsupported} skipped (unsupported type)` : ''}${s.pruned ? `, ${s.pruned} pruned` : ''}; ${s.chunks} chunks written in ${(s.ms / 1000).toFixed(1)} s`,
  ];
  for (const f of s.failed) lines.push(`  failed: ${f.error}`);
  return lines.join('\n');
}

await runCli({ name: 'ingest', usage: USAGE }, async (argv) => {
  const args = parse(argv);
  const cfg = loadConfigOrExit();
  const log = createLogger({ level: cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL });
  const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
  let embedder: LlamaEmbedder | undefined;
  let exitCode = 0;
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
    await recordAudit(db, {
      actor: cliActor(), action: 'kb.ingest', target: `scope:${summary.scope}`, origin: cliOrigin(),
      details: { files: summary.files, added: summary.added, replaced: summary.replaced, unchanged: summary.unchanged, failed: summary.failed.length, pruned: summary.pruned, chunks: summary.chunks, prune: args.prune },
    });
    console.log(formatSummary(summary));
    exitCode = summary.failed.length > 0 ? 1 : 0;
  } catch (e) {
    bar.stop();
    throw e;
  } finally {
    await embedder?.close();
    await db.close();
  }
  return exitCode;
});
