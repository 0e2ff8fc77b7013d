import { AsyncLocalStorage } from 'node:async_hooks';

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';
const METHODS: ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];

const scope = new AsyncLocalStorage<{ lines: number }>(); // lines held back (kept for debugging)
// Our wrappers. Whoever replaces a console method after us (a test capturing the console, a host
// swapping it) gets wrapped in turn on the next call, so the silencing always sits on top.
const wrappers = new WeakSet<(...args: unknown[]) => void>();

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
  for (const m of METHODS) {
    if (wrappers.has(console[m])) continue;
    const original = console[m].bind(console);
    const wrapper = (...args: unknown[]) => {
      const store = scope.getStore();
      if (store) store.lines++;
      else original(...args);
    };
    wrappers.add(wrapper);
    console[m] = wrapper;
  }
}
