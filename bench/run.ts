// `npm run bench`: every benchmark, one after the other, in one process run.
import { runSpineBench } from './spine.js';
import { runThreadsBench } from './threads.js';
import { runRagBench } from './rag.js';
import { runLiveBench } from './live.js';
import { runEngineBench } from './engine.js';
import { runOcrBench } from './ocr.js';

await runThreadsBench();
await runSpineBench();
await runLiveBench();
await runEngineBench();
await runRagBench();
await runOcrBench();
process.exit(0);
