import { Button, Group, Text, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { downloadFile } from '../audit/download-file.ts';
import { bytesFromBase64 } from '../terminals/base64-bytes.ts';

type Format = 'cast' | 'evidence';

const MIME: Record<Format, string> = { cast: 'application/x-asciicast', evidence: 'application/x-tar' };

/** The recording as an asciicast file (plays in asciinema), or the evidence bundle (cast, metadata and its audit records). */
export function RecordingExportButtons({ recordingId }: { recordingId: string }) {
  const client = useBridge();
  const [busy, setBusy] = useState<Format | null>(null);
  const [error, setError] = useState<string | null>(null);

  const download = async (format: Format) => {
    setBusy(format);
    setError(null);
    try {
      const file = await client.call('recordings.download', { id: recordingId, format });
      downloadFile(file.filename, bytesFromBase64(file.base64), MIME[format]);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Group gap="xs">
      <Tooltip label="The session as an asciicast v2 file; it plays in asciinema">
        <Button size="xs" variant="default" loading={busy === 'cast'} onClick={() => void download('cast')} data-testid="player-export-cast">
          Export .cast
        </Button>
      </Tooltip>
      <Tooltip label="A tar of the recording, its metadata and its audit records with their chain hashes">
        <Button size="xs" variant="default" loading={busy === 'evidence'} onClick={() => void download('evidence')} data-testid="player-export-evidence">
          Evidence bundle
        </Button>
      </Tooltip>
      {error && (
        <Text size="xs" c="red" role="alert" data-testid="player-export-error">
          {error}
        </Text>
      )}
    </Group>
  );
}
