// `npm run bench`: every benchmark, one after the other, in one process run.
import { runSpineBench } from './spine.js';

await runSpineBench();
process.exit(0);
