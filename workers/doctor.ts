// `npm run doctor`: checks everything the service depends on and prints what is fine and what to fix.
// Exits 1 when any check fails.
import { checkDatabase, checkGpu, checkModel, checkRedis, formatReport, type CheckResult } from '../src/index.js';
import { checkSlack } from '../adapters/slack/check-slack.js';
import { checkTeams } from '../adapters/teams/check-teams.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const cfg = loadConfigOrExit();
const results: CheckResult[] = [
  { name: 'config', status: 'ok', detail: `ROLE=${cfg.ROLE}, LLAMA_THREADS=${cfg.LLAMA_THREADS}, LLAMA_SEQUENCES=${cfg.LLAMA_SEQUENCES}, LLAMA_CONTEXT_SIZE=${cfg.LLAMA_CONTEXT_SIZE}` },
  await checkRedis(cfg),
  ...(await checkDatabase(cfg)),
];
const worker = cfg.ROLE !== 'adapters';
const adapters = cfg.ROLE !== 'worker';
if (worker) results.push(await checkModel(cfg), await checkGpu(cfg));
if (adapters) results.push(await checkSlack(cfg), await checkTeams(cfg));
console.log(formatReport(results));
process.exit(results.some((r) => r.status === 'fail') ? 1 : 0);
