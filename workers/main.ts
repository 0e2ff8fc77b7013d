// `npm start`: runs the roles named by ROLE (default: all) in this process.
import { DatabaseUnavailableError, ModelUnavailableError, createLogger } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';
import { installProcessSafetyNet } from './process-safety-net.js';
import { resolveRedisOrExit } from './redis-or-exit.js';
import { startService } from './service.js';

const { cfg, redis } = await resolveRedisOrExit(loadConfigOrExit());
const log = createLogger({ level: cfg.LOG_LEVEL });
installProcessSafetyNet(log);
// Signals are handled from here on: queue workers start taking jobs inside startService, so a
// SIGTERM before it returns must still finish what is in flight, not kill the process.
const starting = startService(cfg, { log });
const shutdown = async (signal: string) => {
  log.info({ signal }, 'shutting down: finishing in-flight jobs');
  const started = await starting.catch(() => undefined); // a failed start exits below
  if (!started) return;
  await started.close();
  await redis.close(); // after the runtime's connections: the last user stops an embedded Redis
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
let service;
try {
  service = await starting;
} catch (e) {
  await redis.close();
  if (e instanceof ModelUnavailableError) {
    process.stderr.write(`model error: ${e.message}\n`);
    process.exit(1);
  }
  if (e instanceof DatabaseUnavailableError) {
    process.stderr.write(`database error: DATABASE_URL: ${e.message}\n`);
    process.exit(1);
  }
  log.fatal({ err: e }, 'start-up failed');
  process.exit(1);
}
if (redis.source === 'embedded' || redis.source === 'shared') service.rt.log.info({ source: redis.source, dir: `${cfg.DATA_DIR}/redis` }, 'using the embedded Redis under DATA_DIR (REDIS_URL unset, nothing on 127.0.0.1:6379)');
