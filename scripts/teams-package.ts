// `npm run teams:package [-- --app-id <id>] [--out <file>]`: builds the zip a Teams admin uploads
// (manifest.json with the bot's app id filled in, plus the two icons).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import JSZip from 'jszip';

const { values } = parseArgs({ options: { 'app-id': { type: 'string' }, out: { type: 'string' } } });
const appId = values['app-id'] ?? process.env.MicrosoftAppId;
if (!appId || !/^[0-9a-f-]{36}$/i.test(appId)) {
  console.error('teams:package: pass --app-id <bot app id (GUID)> or set MicrosoftAppId');
  process.exit(1);
}
const dir = path.resolve('deploy/teams');
const manifest = readFileSync(path.join(dir, 'manifest.json'), 'utf8').replaceAll('{{MicrosoftAppId}}', appId);
JSON.parse(manifest); // fail loudly on a broken manifest
const zip = new JSZip();
zip.file('manifest.json', manifest);
for (const icon of ['color.png', 'outline.png']) zip.file(icon, readFileSync(path.join(dir, icon)));
const out = path.resolve(values.out ?? 'dist/r1-teams-app.zip');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
console.log(`wrote ${out}`);
