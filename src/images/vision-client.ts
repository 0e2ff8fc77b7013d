import type { Logger } from '../log/logger.js';

export interface VisionClientOptions {
  /** Base URL of an OpenAI-compatible API (`http://gpu-box:8080/v1`), VISION_URL. */
  url: string;
  /** VISION_MODEL. */
  model: string;
  /** VISION_API_KEY, when the endpoint wants one. */
  apiKey?: string;
  /** VISION_TIMEOUT_MS, per image. */
  timeoutMs: number;
  log: Logger;
}

export const VISION_PROMPT =
  'Describe this image for a maintenance technician in at most five short sentences: what equipment or screen it shows, ' +
  'any fault codes, alarms, readings, gauge positions or labels, and anything that looks damaged. Do not guess what is not visible.';

/**
 * The optional vision model: an OpenAI-compatible `/chat/completions` endpoint that takes
 * `image_url` content parts (llama.cpp's `llama-server --mmproj …`, vLLM with a VL model). Its
 * description is added to the prompt like the OCR text. A failing or slow endpoint is not an
 * error for the question: `describe` returns null, logs one line, and the answer uses OCR only.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export class VisionClient {
  constructor(private readonly o: VisionClientOptions) {}

  async describe(png: Uint8Array, ctx: { jobId: string; index: number }): Promise<string | null> {
    const url = `${this.o.url.replace(/\/+$/, '')}/chat/completions`;
    const dataUrl = `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}) },
        body: JSON.stringify({
          model: this.o.model,
          max_tokens: 300,
          temperature: 0,
          messages: [{ role: 'user', content: [{ type: 'text', text: VISION_PROMPT }, { type: 'image_url', image_url: { url: dataUrl } }] }],
        }),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
      const text = body.choices?.[0]?.message?.content;
      if (typeof text !== 'string') throw new Error('no message content in the response');
      return text.trim() || null;
    } catch (e) {
      this.o.log.warn({ ...ctx, err: (e as Error).message }, 'vision endpoint failed; answering from the OCR text only');
      return null;
    }
  }
}
