import OpenAI from 'openai';
import type { Config } from '../config/index.js';
import { runCheck, type CheckResult } from './check.js';

/**
 * ENGINE=openai: the server at ENGINE_URL lists ENGINE_MODEL (or any model) at `/v1/models` and
 * generates one token for it. No retries: doctor says what is wrong now.
 */
export function checkEngine(cfg: Config): Promise<CheckResult> {
  return runCheck('engine', async () => {
    const url = cfg.ENGINE_URL!;
    const client = new OpenAI({ baseURL: url, apiKey: cfg.ENGINE_API_KEY ?? 'unused', timeout: Math.min(cfg.ENGINE_TIMEOUT_MS, 10_000), maxRetries: 0 });
    let ids: string[];
    try {
      ids = (await client.models.list()).data.map((m) => m.id);
    } catch (e) {
      const status = (e as { status?: number }).status;
      return {
        status: 'fail', detail: `GET ${url}/models: ${(e as Error).message}`,
        fix: status === 401 || status === 403 ? 'set ENGINE_API_KEY to the key the engine was started with (vLLM --api-key)' : 'start the engine or fix ENGINE_URL (the OpenAI base URL including /v1)',
      };
    }
    const model = cfg.ENGINE_MODEL ?? ids[0];
    if (!model) return { status: 'fail', detail: `${url}/models lists no model`, fix: 'start the engine with a model (vLLM: `vllm serve <model>`)' };
    if (cfg.ENGINE_MODEL && !ids.includes(cfg.ENGINE_MODEL)) {
      return { status: 'fail', detail: `ENGINE_MODEL '${cfg.ENGINE_MODEL}' is not served by ${url} (it lists: ${ids.join(', ')})`, fix: 'set ENGINE_MODEL to one of the listed ids (vLLM: --served-model-name)' };
    }
    const t0 = performance.now();
    try {
      const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say OK.' }], max_tokens: 1, temperature: 0 });
      const ms = Math.round(performance.now() - t0);
      return { status: 'ok', detail: `${url}: model ${model}${cfg.ENGINE_MODEL ? '' : ' (first listed; set ENGINE_MODEL to pin it)'}, 1-token completion in ${ms} ms (${r.usage?.completion_tokens ?? '?'} token)` };
    } catch (e) {
      return { status: 'fail', detail: `POST ${url}/chat/completions (1 token, model ${model}): ${(e as Error).message}`, fix: 'check the engine\'s log; is the model loaded?' };
    }
  }, 30_000);
}
