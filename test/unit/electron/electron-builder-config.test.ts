import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(join(root, 'package.json'));

// electron-builder's own check: the same function `electron-builder` runs on its configuration, against its scheme.json.
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration: (config: unknown, debugLogger: unknown) => Promise<void> };
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function loadConfig(): Config {
  return YAML.parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Config;
}

/** Width, height and whether every pixel row decodes, from a PNG file. */
function readPng(path: string): { width: number; height: number; colourType: number; decodedBytes: number } {
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let header: Buffer | undefined;
  const data: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('ascii', offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') header = body;
    if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  expect(header).toBeDefined();
  return { width: header!.readUInt32BE(0), height: header!.readUInt32BE(4), colourType: header![9]!, decodedBytes: inflateSync(Buffer.concat(data)).length };
}

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own schema validation', async () => {
    await expect(validateConfiguration(loadConfig(), new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('is really checked: a misspelt option is rejected', async () => {
    const config = loadConfig();
    await expect(validateConfiguration({ ...config, linux: { ...config['linux'], categroy: 'Development' } }, new DebugLogger(false))).rejects.toThrow(/configuration\.linux/);
  });

  it('names the app, its output and what goes into the package', () => {
    const config = loadConfig();
    expect(config['appId']).toBe('dev.gatehouse.app');
    expect(config['productName']).toBe('Gatehouse');
    expect(config['directories']).toMatchObject({ output: 'release', buildResources: 'build' });
    expect(config['files']).toEqual(expect.arrayContaining(['out/**/*', 'package.json', '!test/**', '!bench/**']));
    expect(config['extraMetadata']).toMatchObject({ main: 'out/main/index.js', author: { email: expect.stringContaining('@') } });
  });

  it('registers the gatehouse:// deep-link scheme', () => {
    expect(loadConfig()['protocols']).toEqual([expect.objectContaining({ schemes: ['gatehouse'] })]);
  });

  it('targets AppImage and deb, dmg, and nsis', () => {
    const config = loadConfig();
    expect(config['linux']['target']).toEqual(['AppImage', 'deb']);
    expect(config['linux']).toMatchObject({ category: 'Development', maintainer: expect.stringMatching(/<.+@.+>/) });
    expect(config['mac']['target']).toEqual(['dmg']);
    expect(config['mac']).toMatchObject({ category: 'public.app-category.developer-tools', hardenedRuntime: true });
    expect(config['win']['target']).toEqual(['nsis']);
  });

  it('flips the Electron fuses that would let the binary run arbitrary code', () => {
    expect(loadConfig()['electronFuses']).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true, enableEmbeddedAsarIntegrityValidation: true });
  });

  it('points at real PNG icons of the sizes their names say', () => {
    const config = loadConfig();
    for (const file of [config['mac']['icon'], config['win']['icon'], ...[512, 256, 128, 64, 32, 16].map((n) => `${config['linux']['icon']}/${n}x${n}.png`)] as string[]) {
      const png = readPng(join(root, file));
      const size = Number(/(\d+)x\1\.png$/.exec(file)![1]);
      expect({ file, width: png.width, height: png.height, colourType: png.colourType }).toEqual({ file, width: size, height: size, colourType: 6 });
      expect(png.decodedBytes).toBe((size * 4 + 1) * size);
    }
    expect(readPng(join(root, config['mac']['icon'] as string)).width).toBeGreaterThanOrEqual(512);
    expect(readPng(join(root, config['win']['icon'] as string)).width).toBeGreaterThanOrEqual(256);
  });

  it('ships a tray icon', () => {
    expect(readPng(join(root, 'build/tray/tray.png'))).toMatchObject({ width: 32, height: 32 });
  });
});
