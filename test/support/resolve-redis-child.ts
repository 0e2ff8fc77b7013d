// A second process on the same DATA_DIR (as `npm run chat` next to `npm start`): resolves Redis,
// prints {url, source} as one JSON line, and releases it when stdin closes.
import { resolveRedis } from '../../src/index.js';

const [dataDir, defaultUrl] = process.argv.slice(2);
const r = await resolveRedis({ dataDir: dataDir!, defaultUrl });
process.stdout.write(`${JSON.stringify({ url: r.url, source: r.source })}\n`);
process.stdin.resume();
process.stdin.once('end', () => void r.close().then(() => process.exit(0)));
