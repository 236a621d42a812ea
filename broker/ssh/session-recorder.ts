/**
 * The proxy's side of terminal recording. The proxy calls a RecorderFactory for every shell
 * and exec channel it opens and feeds the recorder what the person sees; the recording
 * engine (asciicast writer, spool, uploader) implements it. Nothing here may block the
 * data path: the methods are synchronous and the recorder buffers as it needs to; only
 * `end` is awaited, when the channel has already closed.
 */
export interface SessionRecorder {
  /** Once, before any other call: the terminal size at the start and the environment worth keeping (TERM). */
  start(header: { width: number; height: number; env: Record<string, string> }): void;
  /** Bytes the terminal shows: the remote stdout and stderr, and Gatehouse's own messages. */
  output(data: Buffer): void;
  /** Keystrokes sent to the remote; only called when the policy says `record_input: true`. */
  input(data: Buffer): void;
  resize(cols: number, rows: number): void;
  /** A labelled point in time: approval granted, session killed, idle timeout, … */
  marker(label: string): void;
  /** The channel closed; exitStatus is null when it ended by a signal or was cut off. */
  end(exitStatus: number | null): Promise<void>;
}

export interface RecordingMeta {
  /** The proxy's id of the SSH connection (the one `kill` takes). */
  sessionId: string;
  /** The signed-in person the session belongs to. */
  user: string;
  /** The connection name, as in the policy and audit events. */
  connection: string;
  /** The upstream `host:port`. */
  host: string;
  /** The SSH channel number: one connection can carry several shells or commands. */
  channel: number;
  kind: 'shell' | 'exec';
  /** The exec command line; null for a shell. */
  command: string | null;
}

export type RecorderFactory = (meta: RecordingMeta) => SessionRecorder;

const noopRecorder: SessionRecorder = {
  start: () => undefined,
  output: () => undefined,
  input: () => undefined,
  resize: () => undefined,
  marker: () => undefined,
  end: async () => undefined,
};

/** For when recording is off. */
export const noRecording: RecorderFactory = () => noopRecorder;
