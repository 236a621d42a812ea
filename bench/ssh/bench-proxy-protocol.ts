/** What bench:ssh tells its proxy process (bench-proxy-main.ts) and what that process prints back. */

export type RecordingMode = 'off' | 'on';

export interface BenchProxyConfig {
  recording: RecordingMode;
  connection: string;
  /** The user name clients log in as; the listener key is what authenticates them. */
  localUser: string;
  listenerHostKey: string;
  clientPublicKey: string;
  upstream: { host: string; port: number; user: string; keyFile: string; hostKey: string };
  auditSpoolDir: string;
  recordingSpoolDir: string;
  /** The policy server the recordings upload to; null with recording off. */
  serverUrl: string | null;
  logLevel: string;
}

export interface ProxyReadyLine {
  port: number;
  hostKeyPublic: string;
  pid: number;
}

/** One per recorded channel, once its recording has ended in the spool. */
export interface RecordingEndedLine {
  /** The spool's (and the server's) recording id; null if the recorder is not a spooled one. */
  recording: string | null;
  command: string | null;
  /** Bytes of remote output the proxy handed to the recorder. */
  outputBytes: number;
  exitStatus: number | null;
  /** Why the recording is incomplete, if it is. */
  error: string | null;
}

export function isRecordingEndedLine(value: unknown): value is RecordingEndedLine {
  return typeof value === 'object' && value !== null && 'outputBytes' in value && 'recording' in value;
}
