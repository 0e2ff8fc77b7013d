import { ConfigError } from '../errors.js';

/** A wrong command line: printed as one line with a pointer to `--help`, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface RunCliOptions {
  /** Shown before every error line, e.g. `assets`. */
  name: string;
  /** Printed by `--help` / `-h` (exit 0). */
  usage: string;
  /** Defaults to `process.argv.slice(2)`. */
  argv?: string[];
}

/**
 * Runs a command-line entry point the same way for every CLI: `--help`/`-h` prints the usage and
 * exits 0 before anything else runs (no config, no database); an error is ONE line on stderr and a
 * non-zero exit (2 for a wrong command line, 1 otherwise); `--verbose` adds the stack trace.
 * `main` receives the arguments without `--verbose` and returns the exit code.
 */
export async function runCli(o: RunCliOptions, main: (args: string[]) => Promise<number | void>): Promise<never> {
  const argv = o.argv ?? process.argv.slice(2);
  // Before `--`, so `-- --help` can still reach a positional.
  const flags = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(`${o.usage}\n`);
    process.exit(0);
  }
  const verbose = flags.includes('--verbose');
  let code: number;
  try {
    code = (await main(argv.filter((a) => a !== '--verbose'))) ?? 0;
  } catch (e) {
    code = reportError(o.name, e, verbose);
  }
  process.exit(code);
}

/** Writes one line for `e` (plus the stack with `verbose`) and returns the exit code. */
export function reportError(name: string, e: unknown, verbose = false): number {
  const err = e instanceof Error ? e : new Error(String(e));
  const usage = err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
  // A refused connection to a host with several addresses is an AggregateError with no message of its own.
  const inner = err instanceof AggregateError ? (err.errors[0] as Error | undefined)?.message : undefined;
  const text = err.message.split('\n')[0] || inner || err.name;
  const line = err instanceof ConfigError ? `config error: ${text}` : `${name}: ${text}${usage ? ` (see --help)` : ''}`;
  process.stderr.write(`${line}\n`);
  if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
  return usage ? 2 : 1;
}
