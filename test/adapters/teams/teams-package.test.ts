import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/child-service.js';

describe('npm run teams:package', () => {
  it('builds an upload zip with the app id filled in, the commands and both icons', async () => {
    const out = `/tmp/r1-teams-${process.pid}.zip`;
    const id = '11111111-2222-3333-4444-555555555555';
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts', '--app-id', id, '--out', out], { cwd: REPO_ROOT });
    const zip = await JSZip.loadAsync(readFileSync(out));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const m = JSON.parse(await zip.file('manifest.json')!.async('string'));
    expect(m.id).toBe(id);
    expect(m.bots[0].botId).toBe(id);
    expect(m.bots[0].scopes).toEqual(['team', 'personal', 'groupChat']);
    // Files sent in 1:1 chats reach the bot (as file.download.info) only with supportsFiles.
    expect(m.bots[0].supportsFiles).toBe(true);
    expect(m.bots[0].commandLists[0].commands.map((c: { title: string }) => c.title)).toContain('diagnose');
    const color = await zip.file('color.png')!.async('nodebuffer');
    expect(color.subarray(1, 4).toString()).toBe('PNG');
    expect(color.readUInt32BE(16)).toBe(192); // IHDR width
    expect((await zip.file('outline.png')!.async('nodebuffer')).readUInt32BE(16)).toBe(32);
  });
  it('--base-url sets the developer URLs, without the placeholder warning', async () => {
    const out = `/tmp/r1-teams-base-${process.pid}.zip`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts', '--app-id', '11111111-2222-3333-4444-555555555555', '--base-url', 'https://bot.plant.example/', '--out', out], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ENV_FILE: '/dev/null' }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = JSON.parse(await (await JSZip.loadAsync(readFileSync(out))).file('manifest.json')!.async('string'));
    expect(m.developer).toMatchObject({ websiteUrl: 'https://bot.plant.example', privacyUrl: 'https://bot.plant.example/privacy', termsOfUseUrl: 'https://bot.plant.example/terms' });
  });
  it('warns when the placeholder developer URLs would be kept, and refuses a non-https --base-url', () => {
    const args = ['--import', 'tsx', 'scripts/teams-package.ts', '--app-id', '11111111-2222-3333-4444-555555555555', '--out', `/tmp/r1-teams-warn-${process.pid}.zip`];
    const kept = spawnSync(process.execPath, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ENV_FILE: '/dev/null' }, encoding: 'utf8' });
    expect(kept.status).toBe(0);
    expect(kept.stderr).toBe('teams:package: warning: websiteUrl, privacyUrl, termsOfUseUrl keep the https://r1.example.invalid placeholder; pass --base-url https://<your site>\n');
    const http = spawnSync(process.execPath, [...args, '--base-url', 'http://bot.plant.example'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ENV_FILE: '/dev/null' }, encoding: 'utf8' });
    expect(http.status).toBe(2);
    expect(http.stderr).toBe('teams:package: --base-url must be an https:// URL (got http://bot.plant.example) (see --help)\n');
  });
  it('--help prints usage and exits 0 (no stack trace)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts', '--help'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ENV_FILE: '/dev/null' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run teams:package -- \[--app-id <GUID>\] \[--base-url/);
    expect(r.stderr).toBe('');
  });
  it('refuses to build without an app id', () => {
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ENV_FILE: '/dev/null' }, stdio: 'pipe' })).toThrow(/--app-id/);
  });
});
