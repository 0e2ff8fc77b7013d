import { ConfigError, loadConfig, loadEnvFile, type Config } from '../src/index.js';

/**
 * Loads `.env` from the working directory (exported variables win), parses the environment, and
 * on a bad value prints one line naming the variable and exits 1.
 */
export function loadConfigOrExit(): Config {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`config error: ${e.message}\n`);
      process.exit(1);
    }
    if ((e as NodeJS.ErrnoException).code) {
      process.stderr.write(`.env: ${(e as Error).message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
