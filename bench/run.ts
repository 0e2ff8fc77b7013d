// `npm run bench`: every benchmark, one after the other, in one process run.
import { runSpineBench } from './spine.js';
import { runThreadsBench } from './threads.js';

await runThreadsBench();
await runSpineBench();
process.exit(0);
