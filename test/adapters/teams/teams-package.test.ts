import { execFileSync } from 'node:child_process';
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
    expect(m.bots[0].commandLists[0].commands.map((c: { title: string }) => c.title)).toContain('diagnose');
    const color = await zip.file('color.png')!.async('nodebuffer');
    expect(color.subarray(1, 4).toString()).toBe('PNG');
    expect(color.readUInt32BE(16)).toBe(192); // IHDR width
    expect((await zip.file('outline.png')!.async('nodebuffer')).readUInt32BE(16)).toBe(32);
  });
  it('refuses to build without an app id', () => {
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH }, stdio: 'pipe' })).toThrow(/--app-id/);
  });
});
