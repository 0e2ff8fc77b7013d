// `npm start`: runs the roles named by ROLE (default: all) in this process.
import { ModelUnavailableError } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';
import { startService } from './service.js';

const cfg = loadConfigOrExit();
let service;
try {
  service = await startService(cfg);
} catch (e) {
  if (e instanceof ModelUnavailableError) {
    process.stderr.write(`model error: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
const shutdown = async (signal: string) => {
  service.rt.log.info({ signal }, 'shutting down: finishing in-flight jobs');
  await service.close();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
