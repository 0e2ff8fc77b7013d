import { AsyncLocalStorage } from 'node:async_hooks';

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';
const METHODS: ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];

const scope = new AsyncLocalStorage<{ lines: number }>(); // lines held back (kept for debugging)
let installed = false;

/**
 * Runs `fn` with `console` silenced for it and everything it starts. botbuilder 4.23 writes to `console` itself on every rejected request: `CloudAdapter.process`
 * does `console.error(err)` (a multi-line stack), and botframework-connector's `JwtTokenExtractor`
 * prints "Error finding key for token. Available keys: …" with the channel's signing keys as PEM.
 * Neither can be configured off, so the adapter runs botbuilder inside this scope and logs one JSON
 * line itself. Only code running in the scope is affected (AsyncLocalStorage): everything else
 * in the process still reaches the real console.
 */
export function withQuietConsole<T>(fn: () => Promise<T>): Promise<T> {
  install();
  return scope.run({ lines: 0 }, fn);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const m of METHODS) {
    const original = console[m].bind(console);
    console[m] = (...args: unknown[]) => {
      const store = scope.getStore();
      if (store) store.lines++;
      else original(...args);
    };
  }
}
