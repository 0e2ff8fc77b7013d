import { ConfigError, loadConfig, type Config } from '../src/index.js';

/** Parses the environment; on a bad value prints one line naming the variable and exits 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`config error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
