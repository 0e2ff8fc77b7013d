import { formatBytes } from './image-type.js';

/** A download that was refused or failed, with the reason in words the asker understands. */
export class ImageFetchError extends Error {
  readonly code = 'image_fetch';
  constructor(message: string, readonly reason: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageFetchError';
  }
}

export interface FetchCappedOptions {
  headers?: Record<string, string>;
  /** Stop reading past this many bytes (IMAGE_MAX_BYTES). */
  maxBytes: number;
  /** Whole download, in ms (IMAGE_FETCH_TIMEOUT_MS). */
  timeoutMs: number;
  /** For messages: `panel.png`. */
  label: string;
  /** Completes the note on HTTP 401/403 with the likely cause on this platform (`the bot may be missing the files:read permission`). */
  refusedHint?: string;
}

/**
 * Downloads a platform file with a size cap that holds even when the server sends no (or a false)
 * `Content-Length`: the body is read chunk by chunk and the request aborted past `maxBytes`.
 * Redirects are followed only within the same origin, so the bearer token never leaves for another host.
 */
export async function fetchCapped(url: string, o: FetchCappedOptions): Promise<Uint8Array> {
  const ac = new AbortController();
  const signal = AbortSignal.any([ac.signal, AbortSignal.timeout(o.timeoutMs)]);
  let res: Response;
  try {
    res = await fetch(url, { headers: o.headers, redirect: 'manual', signal });
    if (res.status >= 300 && res.status < 400) {
      const to = res.headers.get('location');
      if (!to || new URL(to, url).origin !== new URL(url).origin) throw new ImageFetchError(`redirect to another host for ${url}`, `${o.label} could not be downloaded (redirected elsewhere)`, res.status);
      res = await fetch(new URL(to, url), { headers: o.headers, redirect: 'manual', signal });
    }
  } catch (e) {
    if (e instanceof ImageFetchError) throw e;
    const timeout = (e as Error).name === 'TimeoutError';
    throw new ImageFetchError(`download failed: ${(e as Error).message}`, `${o.label} could not be downloaded (${timeout ? 'it took too long' : 'the server did not answer'})`, undefined, { cause: e });
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    throw new ImageFetchError(`download refused: HTTP ${res.status}`, `${o.label} could not be downloaded: access was refused (HTTP ${res.status})${o.refusedHint ? `; ${o.refusedHint}` : ''}`, res.status);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new ImageFetchError(`download failed: HTTP ${res.status}`, `${o.label} could not be downloaded (HTTP ${res.status})`, res.status);
  }
  const tooBig = (n: number) => new ImageFetchError(`over ${o.maxBytes} bytes`, `${o.label} is ${n > o.maxBytes ? `over ${formatBytes(o.maxBytes)}` : formatBytes(n)}; the limit is ${formatBytes(o.maxBytes)} per image`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > o.maxBytes) {
    ac.abort();
    throw new ImageFetchError(`over ${o.maxBytes} bytes`, `${o.label} is ${formatBytes(declared)}; the limit is ${formatBytes(o.maxBytes)} per image`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > o.maxBytes) {
        ac.abort();
        throw tooBig(total);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof ImageFetchError) throw e;
    throw new ImageFetchError(`download failed: ${(e as Error).message}`, `${o.label} could not be downloaded completely`, undefined, { cause: e });
  }
  return Buffer.concat(chunks, total);
}
