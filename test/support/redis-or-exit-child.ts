// workers/main.ts's Redis step with nothing on the probed address and no redis-server binary.
import { loadConfig } from '../../src/index.js';
import { resolveRedisOrExit } from '../../workers/redis-or-exit.js';

const [dataDir, defaultUrl] = process.argv.slice(2);
await resolveRedisOrExit(loadConfig({}, { DATA_DIR: dataDir!, REDIS_URL: defaultUrl! }), { explicitUrl: undefined, defaultUrl, redisServer: '/nonexistent/redis-server' });
process.stdout.write('resolved\n');
