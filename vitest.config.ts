import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Seconds per file in a full run (isolate: false, 2 cores, load average ~6 from other work; only
// files over 10 s), for the order only. CI starts from a clean clone, without Vitest's cache of
// durations, and would otherwise start the biggest files first, not the slowest. Longest first lets
// the three workers finish together. A file missing here runs after these (new test files are
// meant to be cheap); a local run with a cache uses the durations it measured instead.
const KNOWN_SECONDS: Record<string, number> = {
  'test/workers/cli-help.test.ts': 215,
  'test/workers/startup-errors.test.ts': 186,
  'test/adapters/teams/teams-live.test.ts': 141,
  'test/workers/doctor.test.ts': 113,
  'test/adapters/console/console-sessions.test.ts': 96,
  'test/auth/api-keys.test.ts': 89,
  'test/workers/kb-cli.test.ts': 87,
  'test/adapters/web/web-console.test.ts': 110,
  'test/workers/assets-cli.test.ts': 60,
  'test/pipeline/process-diagnosis.test.ts': 57,
  'test/adapters/console/console-commands.test.ts': 50,
  'test/adapters/slack/slack-live-stream.test.ts': 50,
  'test/adapters/teams/teams-package.test.ts': 48,
  'test/workers/graceful-shutdown.test.ts': 43,
  'test/adapters/console/console-repl.test.ts': 41,
  'test/workers/first-start.test.ts': 41,
  'test/workers/admin-cli-audit.test.ts': 34,
  'test/workers/crash-recovery.test.ts': 33,
  'test/workers/redis-outage.test.ts': 29,
  'test/live/live-answers.test.ts': 25,
  'test/adapters/slack/slack-diagnose.test.ts': 24,
  'test/rag/vector-retrieval.test.ts': 22,
  'test/engine/preference-gate.test.ts': 19,
  'test/adapters/slack/slack-live-surface.test.ts': 18,
  'test/adapters/api/api-on-the-queue.test.ts': 18,
  'test/workers/openai-engine-own-api.test.ts': 17,
  'test/adapters/slack/slack-images.test.ts': 16,
  'test/queue/embedded-redis.test.ts': 15,
  'test/workers/lora-sighup.test.ts': 14,
  'test/workers/openai-engine-faults.test.ts': 14,
  'test/http/health.test.ts': 11,
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
