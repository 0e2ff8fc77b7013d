import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnService } from '../support/child-service.js';
import { FakeSlack } from '../support/fake-slack.js';
import { LocalBotFramework } from '../support/local-bot-framework.js';
import { hasTestModel, TEST_MODEL_PATH } from '../support/shared-assets.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueId } from '../support/test-config.js';

async function doctor(env: Record<string, string>) {
  const c = spawnService({ LLAMA_THREADS: '1', LLAMA_GPU: 'false', DATA_DIR: `/tmp/${uniqueId('r1doc')}`, ...env }, 'workers/doctor.ts');
  // (spawnService passes exactly this environment: no MODEL_PATH unless given)
  const code = await c.exited;
  return { code, out: c.output() };
}
const line = (out: string, check: string) => out.split('\n').find((l) => new RegExp(`^\\S+\\s+${check}\\s`).test(l)) ?? '';

describe('npm run doctor', () => {
  let slack: FakeSlack;
  let bf: LocalBotFramework;
  beforeAll(async () => {
    slack = await new FakeSlack().start();
    bf = await new LocalBotFramework().start();
  });
  afterAll(async () => {
    await slack?.close();
    await bf?.close();
  });

  it('reports a stopped Redis and a missing model clearly, and exits non-zero', async () => {
    const { code, out } = await doctor({ REDIS_URL: 'redis://127.0.0.1:1', MODEL_PATH: '/nonexistent/r1.gguf' });
    expect(code).toBe(1);
    expect(line(out, 'redis')).toMatch(/^FAIL\s+redis\s+cannot reach 127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(line(out, 'model')).toMatch(/^FAIL\s+model\s+\/nonexistent\/r1\.gguf: file not found/);
    expect(out).toContain('→ start Redis or fix REDIS_URL');
    expect(out).toMatch(/2 check\(s\) failed\./);
  }, 150_000); // opens the embedded PGlite: 80 s seen on a loaded 2-core machine

  it('fails offline without a model: no MODEL_PATH, nothing cached in DATA_DIR/models, the download host unreachable', async () => {
    const dataDir = `/tmp/${uniqueId('r1doc')}`;
    // HF_ENDPOINT on a closed port: the download host of the default hf: model is unreachable.
    const offline = { REDIS_URL: TEST_REDIS_URL, DATABASE_URL: TEST_DATABASE_URL, ROLE: 'worker', DATA_DIR: dataDir, HF_ENDPOINT: 'http://127.0.0.1:1/' };
    const { code, out } = await doctor(offline);
    expect(line(out, 'model')).toMatch(/^FAIL\s+model\s+MODEL_PATH unset, no model cached in \S+\/models, and hf:\S+ cannot be downloaded \(cannot reach 127\.0\.0\.1:1: .*\)$/);
    expect(out).toContain('→ copy a GGUF file onto this machine and set MODEL_PATH to it');
    expect(out).not.toContain('All checks passed');
    expect(code).toBe(1);
    // A model cached by an earlier download is enough.
    await mkdir(path.join(dataDir, 'models'), { recursive: true });
    await writeFile(path.join(dataDir, 'models', 'DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf'), '');
    const cached = await doctor(offline);
    expect(line(cached.out, 'model')).toMatch(/^OK\s+model\s+MODEL_PATH unset: using DeepSeek-R1-Distill-Qwen-7B-Q4_K_M\.gguf cached in /);
    expect(cached.code).toBe(0);
    await rm(dataDir, { recursive: true, force: true });
  }, 90_000);

  it.skipIf(!hasTestModel)('passes with Redis, the database, the model and real Slack and Teams credential checks', async () => {
    const { code, out } = await doctor({
      REDIS_URL: TEST_REDIS_URL, DATABASE_URL: TEST_DATABASE_URL, MODEL_PATH: TEST_MODEL_PATH, SLACK_BOT_TOKEN: 'xoxb-doc', SLACK_APP_TOKEN: 'xapp-doc', SLACK_API_URL: slack.apiUrl,
      ...bf.settings(),
    });
    expect(line(out, 'redis')).toMatch(/^OK\s+redis\s+redis \d/);
    expect(line(out, 'model')).toMatch(/^OK\s+model\s+stories260K-r1-test\.gguf arch=llama .*chat template=DeepSeek-R1 sha256=1a81198e9d139d38/);
    expect(line(out, 'slack')).toMatch(/^OK\s+slack\s+bot r1 \(UBOT\) in team Local \(T1\), Socket Mode/);
    expect(line(out, 'teams')).toMatch(/^OK\s+teams\s+token for https:\/\/api\.botframework\.com\/\.default/);
    expect(slack.callsTo('auth.test')[0]?.auth).toBe('Bearer xoxb-doc');
    expect(bf.tokenRequests.at(-1)?.get('client_id')).toBe(bf.appId);
    expect(code).toBe(0);
  }, 60_000);

  it('names a bad Slack token', async () => {
    slack.responders['auth.test'] = () => ({ ok: false, error: 'invalid_auth' });
    const { code, out } = await doctor({ REDIS_URL: TEST_REDIS_URL, DATABASE_URL: TEST_DATABASE_URL, ROLE: 'adapters', SLACK_BOT_TOKEN: 'xoxb-bad', SLACK_APP_TOKEN: 'xapp-doc', SLACK_API_URL: slack.apiUrl });
    delete slack.responders['auth.test'];
    expect(code).toBe(1);
    expect(line(out, 'slack')).toMatch(/^FAIL\s+slack\s+auth\.test failed: .*invalid_auth/);
  }, 60_000);
});
