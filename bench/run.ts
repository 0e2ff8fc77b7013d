// `npm run bench`: every benchmark, one after the other, in one process run.
import { runSpineBench } from './spine.js';
import { runThreadsBench } from './threads.js';
import { runRagBench } from './rag.js';

await runThreadsBench();
await runSpineBench();
await runRagBench();
process.exit(0);
