import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readLoraAdaptersNow } from '../../src/index.js';

describe('LORA_ADAPTERS / LORA_SEQUENCES', () => {
  it.each([
    ['', []],
    ['pumps=/m/pumps.gguf', [{ name: 'pumps', filePath: '/m/pumps.gguf', scale: 1 }]],
    ['pumps=/m/pumps.gguf:0.5, presses=./p.gguf:0', [{ name: 'pumps', filePath: '/m/pumps.gguf', scale: 0.5 }, { name: 'presses', filePath: './p.gguf', scale: 0 }]],
    ['win=C:\\adapters\\a.gguf:2', [{ name: 'win', filePath: 'C:\\adapters\\a.gguf', scale: 2 }]],
    ['odd=/m/a:b.gguf', [{ name: 'odd', filePath: '/m/a:b.gguf', scale: 1 }]],
  ])('parses %j', (raw, expected) => {
    expect(loadConfig({ LORA_ADAPTERS: raw }).LORA_ADAPTERS).toEqual(expected);
  });

  it.each([
    ['/m/pumps.gguf', /must be name=path\[:scale\]/],
    ['Pumps=/m/p.gguf', /lower-case name/],
    ['pumps=', /must be name=path/],
    ['a=/x.gguf,a=/y.gguf', /adapter name a is given twice/],
    ['base=/x.gguf', /reserved/],
  ])('refuses %j naming the variable', (raw, why) => {
    expect(() => loadConfig({ LORA_ADAPTERS: raw })).toThrow(ConfigError);
    expect(() => loadConfig({ LORA_ADAPTERS: raw })).toThrow(why);
    expect(() => loadConfig({ LORA_ADAPTERS: raw })).toThrow(/^LORA_ADAPTERS: /);
  });

  it('ENGINE_LORA_MODELS: adapter=modelId pairs (the ids vLLM serves LoRA adapters under); bad entries name the variable', () => {
    expect(loadConfig({}).ENGINE_LORA_MODELS).toEqual({});
    expect(loadConfig({ ENGINE_LORA_MODELS: 'pumps=pumps-lora-v2, valves=org/valves:rev2' }).ENGINE_LORA_MODELS).toEqual({ pumps: 'pumps-lora-v2', valves: 'org/valves:rev2' });
    for (const bad of ['pumps', 'Pumps=x', 'base=x', 'pumps=']) expect(() => loadConfig({ ENGINE_LORA_MODELS: bad })).toThrow(/^ENGINE_LORA_MODELS: .*name=modelId/);
  });

  it('defaults: one sequence per adapter, files checked every 10 s', () => {
    const cfg = loadConfig({});
    expect([cfg.LORA_SEQUENCES, cfg.LORA_WATCH_INTERVAL_MS]).toEqual([1, 10_000]);
    expect(() => loadConfig({ LORA_SEQUENCES: '0' })).toThrow(/^LORA_SEQUENCES/);
  });

  describe('re-read on SIGHUP from the settings file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'r1-lora-env-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const cfg = loadConfig({ LORA_ADAPTERS: 'a=/a.gguf' });

    it('takes the file\'s value, keeps the loaded one when the file has none, and refuses a bad one', () => {
      expect(readLoraAdaptersNow({ ...cfg, ENV_FILE: undefined }, dir)).toEqual(cfg.LORA_ADAPTERS);
      writeFileSync(path.join(dir, '.env'), 'LOG_LEVEL=info\n');
      expect(readLoraAdaptersNow({ ...cfg, ENV_FILE: undefined }, dir)).toEqual(cfg.LORA_ADAPTERS);
      writeFileSync(path.join(dir, '.env'), 'LORA_ADAPTERS=a=/a2.gguf:0.5,b=/b.gguf\n');
      expect(readLoraAdaptersNow({ ...cfg, ENV_FILE: undefined }, dir)).toEqual([{ name: 'a', filePath: '/a2.gguf', scale: 0.5 }, { name: 'b', filePath: '/b.gguf', scale: 1 }]);
      writeFileSync(path.join(dir, '.env'), 'LORA_ADAPTERS=nonsense\n');
      expect(() => readLoraAdaptersNow({ ...cfg, ENV_FILE: undefined }, dir)).toThrow(ConfigError);
    });
  });
});
