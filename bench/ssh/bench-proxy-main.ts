/**
 * The broker's SSH proxy as its own process for bench:ssh: the product's SshProxy with a real
 * durable audit spool and, when recording is on, the product's recorder factory (asciicast into
 * a local spool with fsync in groups, uploaded while sessions run to a real policy server).
 *
 * `gatehouse proxy ssh` does not record yet, so the bench assembles the same parts itself.
 * Run by bench-proxy-process.ts; everything comes in through the environment:
 *   GATEHOUSE_BENCH_PROXY  JSON of BenchProxyConfig
 *   GATEHOUSE_BENCH_TOKEN  the access token the uploads use (recording on only)
 * Prints one JSON ready line, then one JSON line per recording as it ends.
 */
import { readFileSync } from 'node:fs';
import { AuditSpool } from '../../broker/audit/audit-spool.ts';
import { createLogger } from '../../broker/log.ts';
import { createRecorderFactory } from '../../broker/recording/recorder-factory.ts';
import { SpooledRecorder } from '../../broker/recording/spooled-recorder.ts';
import { ServerApi } from '../../broker/server-client/api-client.ts';
import { parsePinnedHostKey } from '../../broker/ssh/host-key-pin.ts';
import type { RecorderFactory, SessionRecorder } from '../../broker/ssh/session-recorder.ts';
import { SshProxy } from '../../broker/ssh/ssh-proxy.ts';
import { allowAllPolicy } from '../../shared/policy/parse-policy.ts';
import type { BenchProxyConfig, ProxyReadyLine, RecordingEndedLine } from './bench-proxy-protocol.ts';

const STOP_UPLOADS_WAIT_MS = 2_000;

function print(line: ProxyReadyLine | RecordingEndedLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Tells the bench which recording a channel went to and how many bytes it was given. */
function reporting(factory: RecorderFactory): RecorderFactory {
  return (meta) => {
    const inner = factory(meta);
    const recordingId = inner instanceof SpooledRecorder ? inner.id : null;
    let outputBytes = 0;
    const counted: SessionRecorder = {
      start: (header) => inner.start(header),
      output: (data) => {
        outputBytes += data.length;
        inner.output(data);
      },
      input: (data) => inner.input(data),
      resize: (cols, rows) => inner.resize(cols, rows),
      marker: (label) => inner.marker(label),
      end: async (exitStatus) => {
        let error: string | null = null;
        try {
          await inner.end(exitStatus);
        } catch (e) {
          error = (e as Error).message;
        }
        print({ recording: recordingId, command: meta.command, outputBytes, exitStatus, error });
      },
    };
    return counted;
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env['GATEHOUSE_BENCH_PROXY'] ?? 'null') as BenchProxyConfig | null;
  if (config === null) throw new Error('GATEHOUSE_BENCH_PROXY is not set');
  const log = createLogger({ name: `bench-ssh-proxy-${config.recording}`, level: config.logLevel });
  const policy = allowAllPolicy(config.connection);
  const spool = await AuditSpool.open(config.auditSpoolDir, { durability: policy.audit });
  let uploads: ReturnType<typeof createRecorderFactory> | null = null;
  if (config.recording === 'on') {
    const token = process.env['GATEHOUSE_BENCH_TOKEN'];
    if (token === undefined || token === '' || config.serverUrl === null) throw new Error('recording on needs a server URL and GATEHOUSE_BENCH_TOKEN');
    uploads = createRecorderFactory({
      spoolRoot: config.recordingSpoolDir,
      api: new ServerApi(config.serverUrl, { accessToken: async () => token }),
      recordInput: false,
      log,
    });
  }
  const proxy = new SshProxy({
    listenHost: '127.0.0.1',
    listenPort: 0,
    hostKey: config.listenerHostKey,
    credentials: { user: config.localUser, password: null, publicKey: config.clientPublicKey },
    upstream: {
      host: config.upstream.host,
      port: config.upstream.port,
      username: config.upstream.user,
      hostKey: parsePinnedHostKey(config.upstream.hostKey),
      auth: { privateKey: readFileSync(config.upstream.keyFile, 'utf8') },
    },
    policy,
    connection: config.connection,
    actor: { user: 'alice', kind: 'human', localUser: 'alice' },
    spool,
    ...(uploads === null ? {} : { recorders: reporting(uploads) }),
    log,
  });
  const address = await proxy.listen();
  print({ port: address.port, hostKeyPublic: proxy.hostKeyPublic, pid: process.pid });

  const stop = (): void => {
    void (async () => {
      await proxy.close();
      // A pass in progress goes on until the recording is all sent, which for a GB of asciicast at a
      // starved server is minutes; what is left stays in the spool, as after any broker exit.
      await Promise.race([uploads?.stop(), new Promise((resolve) => setTimeout(resolve, STOP_UPLOADS_WAIT_MS))]);
      await spool.close();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench proxy failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
