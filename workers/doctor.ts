// `npm run doctor`: checks everything the service depends on and prints what is fine and what to fix.
// Exits 1 when any check fails.
import { parseArgs } from 'node:util';
import { checkDatabase, checkEngine, checkGpu, checkLoraAdapters, checkModel, checkRedis, formatReport, isEnvVarSet, runCli, type CheckResult } from '../src/index.js';
import { checkSlack } from '../adapters/slack/check-slack.js';
import { checkTeams } from '../adapters/teams/check-teams.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run doctor [-- --verbose]
  Checks the configuration, Redis, the database and migrations, the model (MODEL_PATH, a model
  cached in DATA_DIR/models, or the download host), the GPU and the LORA_ADAPTERS files, or with ENGINE=openai the engine
  (/v1/models and a 1-token completion), and the Slack and Teams credentials,
  as ROLE needs them. Prints one line per check and what to fix; exits 1 when any check fails.
  Settings come from the environment and ./.env, as for npm start.`;

await runCli({ name: 'doctor', usage: USAGE }, async (argv) => {
  parseArgs({ args: argv, options: {} });
  const cfg = loadConfigOrExit();
  const results: CheckResult[] = [
    {
      name: 'config', status: 'ok',
      detail: cfg.ENGINE === 'openai'
        ? `ROLE=${cfg.ROLE}, ENGINE=openai, ENGINE_URL=${cfg.ENGINE_URL}, ENGINE_MAX_CONCURRENCY=${cfg.ENGINE_MAX_CONCURRENCY}`
        : `ROLE=${cfg.ROLE}, LLAMA_THREADS=${cfg.LLAMA_THREADS}, LLAMA_SEQUENCES=${cfg.LLAMA_SEQUENCES}, LLAMA_CONTEXT_SIZE=${cfg.LLAMA_CONTEXT_SIZE}`,
    },
    await checkRedis(cfg, !isEnvVarSet('REDIS_URL')),
    ...(await checkDatabase(cfg)),
  ];
  const worker = cfg.ROLE !== 'adapters';
  const adapters = cfg.ROLE !== 'worker';
  if (worker) results.push(...(cfg.ENGINE === 'openai' ? [await checkEngine(cfg)] : [await checkModel(cfg), await checkGpu(cfg), ...(await checkLoraAdapters(cfg))]));
  if (adapters) results.push(await checkSlack(cfg), await checkTeams(cfg));
  console.log(formatReport(results));
  return results.some((r) => r.status === 'fail') ? 1 : 0;
});
