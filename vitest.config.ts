import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Rough seconds per file on a quiet 2-core machine, for the order only (the slow ones; the rest
// are cheap): the last quiet run's long poles, and a full run under load (÷4) for the others.
// CI starts from a clean clone, without Vitest's cache of durations, and would otherwise start the
// biggest files first, not the slowest. Longest first lets the three workers finish together.
// A file missing here runs after these (new test files are meant to be cheap); a local run with a
// cache uses the durations it measured instead.
const KNOWN_SECONDS: Record<string, number> = {
  'test/adapters/teams/teams-live.test.ts': 137,
  'test/workers/cli-help.test.ts': 115,
  'test/workers/doctor.test.ts': 87,
  'test/workers/startup-errors.test.ts': 83,
  'test/adapters/slack/slack-live-stream.test.ts': 80,
  'test/workers/assets-cli.test.ts': 70,
  'test/pipeline/process-diagnosis.test.ts': 65,
  'test/adapters/web/web-console.test.ts': 55,
  'test/auth/api-keys.test.ts': 55,
  'test/workers/kb-cli.test.ts': 50,
  'test/adapters/console/console-sessions.test.ts': 45,
  'test/adapters/teams/teams-package.test.ts': 45,
  'test/workers/admin-cli-audit.test.ts': 40,
  'test/workers/openai-engine-own-api.test.ts': 40,
  'test/workers/redis-outage.test.ts': 38,
  'test/workers/graceful-shutdown.test.ts': 36,
  'test/engine/preference-gate.test.ts': 35,
  'test/adapters/slack/slack-diagnose.test.ts': 35,
  'test/adapters/console/console-repl.test.ts': 31,
  'test/workers/first-start.test.ts': 31,
  'test/rag/query-rewrite.test.ts': 29,
  'test/rag/vector-retrieval.test.ts': 28,
  'test/adapters/slack/slack-images.test.ts': 27,
  'test/queue/embedded-redis.test.ts': 26,
  'test/retention/retention-and-erasure.test.ts': 25,
  'test/adapters/api/openai-client.test.ts': 25,
  'test/live/live-answers.test.ts': 22,
  'test/http/health.test.ts': 22,
  'test/adapters/teams/teams-images.test.ts': 22,
  'test/scheduling/fairness-and-limits.test.ts': 22,
  'test/workers/crash-recovery.test.ts': 21,
  'test/rag/retrieve/retrieval-recall.test.ts': 19,
  'test/deploy/training.test.ts': 19,
  'test/live/run-relay.test.ts': 18,
  'test/adapters/api/api-images.test.ts': 18,
  'test/adapters/slack/slack-events.test.ts': 17,
  'test/feedback/export-dataset.test.ts': 16,
  'test/engine/inference-engine.test.ts': 15,
};

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const seconds = (f: TestSpecification) => {
      const rel = path.relative(root, f.moduleId).split(path.sep).join('/');
      const cached = this.ctx.cache.getFileTestResults(`${f.project.name}:${rel}`)?.duration;
      return cached !== undefined ? cached / 1000 : (KNOWN_SECONDS[rel] ?? 0);
    };
    const base = await super.sort(files);
    const order = new Map(base.map((f, i) => [f, i]));
    return [...base].sort((a, b) => seconds(b) - seconds(a) || order.get(a)! - order.get(b)!);
  }
}

// Three files at a time on a 2-core machine. Every model test runs llama with threads: 1, and most
// files spend their time waiting on Redis, PostgreSQL, HTTP and child processes, so overlapping
// them keeps both cores busy (one file at a time left them idle: ~16 min for 86 files). Forks,
// because node-llama-cpp's native addon is not worker_threads-friendly.
//
// isolate: false — a worker process runs file after file and keeps the modules it has imported:
// importing src/, node-llama-cpp, botbuilder, Bolt, fastify… once per worker instead of once per
// file cut a set of 20 small files from ~130 s to ~35 s. Test files therefore must not rely on
// fresh module state: undo what they change on globals (env, console, timers) in afterAll/afterEach,
// and keep process-wide library caches apart (botframework caches tokens per app id: each
// LocalBotFramework has its own).
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 3,
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
    sequence: { sequencer: SlowestFirst },
  },
});
