import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingSpoolFile } from '../../../broker/recording/recording-spool-file.ts';
import { CAST_FILE, END_FILE } from '../../../broker/recording/recording-spool-layout.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function spool(): RecordingSpoolFile {
  const root = mkdtempSync(join(tmpdir(), 'gatehouse-spool-file-'));
  roots.push(root);
  return RecordingSpoolFile.create(root, {
    version: 1,
    id: crypto.randomUUID(),
    sessionId: 's-1',
    user: 'alice',
    connection: 'bastion',
    host: 'bastion.internal:22',
    channel: 0,
    kind: 'exec',
    command: 'head -c 1000 /dev/zero',
    startedAt: new Date().toISOString(),
    pid: process.pid,
  });
}

describe('RecordingSpoolFile', () => {
  it('writes every line byte for byte as UTF-8, multi-byte characters and escaped binary alike', async () => {
    const file = spool();
    const lines = [
      '{"version":2,"width":80,"height":24}\n',
      `${JSON.stringify([0.5, 'o', 'é€𝄞 日本 🚀\r\n'])}\n`,
      `${JSON.stringify([1, 'o', '\0'.repeat(40_000)])}\n`,
      `${JSON.stringify([1.25, 'o', 'x'.repeat(300_000)])}\n`,
    ];
    for (const line of lines) expect(file.append(line)).toBe(true);
    await file.finish({ endedAt: new Date().toISOString(), exitStatus: 0 });
    expect(readFileSync(join(file.dir, CAST_FILE))).toEqual(Buffer.from(lines.join(''), 'utf8'));
    expect(JSON.parse(readFileSync(join(file.dir, END_FILE), 'utf8'))).toMatchObject({ exitStatus: 0 });
  });

  it('takes no lines once finished, and says so', async () => {
    const file = spool();
    expect(file.append('{"version":2,"width":80,"height":24}\n')).toBe(true);
    await file.finish({ endedAt: new Date().toISOString(), exitStatus: null });
    expect(file.append(`${JSON.stringify([0, 'o', 'late'])}\n`)).toBe(false);
    expect(readFileSync(join(file.dir, CAST_FILE), 'utf8')).toBe('{"version":2,"width":80,"height":24}\n');
  });
});
