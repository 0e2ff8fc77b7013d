export { runCli, reportError, UsageError } from './run-cli.js';
export type { RunCliOptions } from './run-cli.js';
