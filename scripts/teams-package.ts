// `npm run teams:package [-- --app-id <id>] [--base-url <https://…>] [--out <file>]`: builds the zip
// a Teams admin uploads (manifest.json with the bot's app id and developer URLs filled in, plus the two icons).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import JSZip from 'jszip';
import { loadEnvFile, runCli, UsageError } from '../src/index.js';

const USAGE = `usage: npm run teams:package -- [--app-id <GUID>] [--base-url <https://…>] [--out <file.zip>]
  --app-id    the bot's app (client) id; default: MicrosoftAppId from the environment or .env
  --base-url  your site for the manifest's developer URLs: <base> (website), <base>/privacy,
              <base>/terms. Without it the https://r1.example.invalid placeholders are kept
              (with a warning): Teams admins see them in the app's details.
  --out       the zip to write; default dist/r1-teams-app.zip
  --verbose   stack traces on errors`;

/** The placeholder host in deploy/teams/manifest.json. */
const PLACEHOLDER = 'https://r1.example.invalid';

await runCli({ name: 'teams:package', usage: USAGE }, async (argv) => {
  const { values } = parseArgs({ args: argv, options: { 'app-id': { type: 'string' }, 'base-url': { type: 'string' }, out: { type: 'string' } } });
  loadEnvFile();
  const appId = values['app-id'] ?? process.env.MicrosoftAppId;
  if (!appId || !/^[0-9a-f-]{36}$/i.test(appId)) throw new UsageError('pass --app-id <bot app id (GUID)> or set MicrosoftAppId');
  const base = values['base-url']?.replace(/\/+$/, '');
  if (base !== undefined && !/^https:\/\/[^/\s]+(\/\S*)?$/.test(base)) throw new UsageError(`--base-url must be an https:// URL (got ${values['base-url']})`);
  const dir = path.resolve('deploy/teams');
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8').replaceAll('{{MicrosoftAppId}}', appId)) as { developer: Record<string, string> };
  if (base) Object.assign(manifest.developer, { websiteUrl: base, privacyUrl: `${base}/privacy`, termsOfUseUrl: `${base}/terms` });
  const placeholders = Object.entries(manifest.developer).filter(([, v]) => typeof v === 'string' && v.startsWith(PLACEHOLDER)).map(([k]) => k);
  if (placeholders.length) process.stderr.write(`teams:package: warning: ${placeholders.join(', ')} keep the ${PLACEHOLDER} placeholder; pass --base-url https://<your site>\n`);
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  for (const icon of ['color.png', 'outline.png']) zip.file(icon, readFileSync(path.join(dir, icon)));
  const out = path.resolve(values.out ?? 'dist/r1-teams-app.zip');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  console.log(`wrote ${out}`);
});
