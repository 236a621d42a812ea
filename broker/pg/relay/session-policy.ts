import type { Frame, FrameRun } from '../protocol/frame-reader.ts';
import type { NoticeFields } from '../protocol/backend-messages.ts';
import type { Expectation, FrameContext } from './response-tracker.ts';

/** A statement about to reach the upstream: the decision point sees every one of them. */
export type StatementEvent =
  | { kind: 'query'; sql: string }
  | { kind: 'parse'; statement: string; sql: string }
  | { kind: 'execute'; portal: string; statement: string; sql: string | null }
  | { kind: 'function-call'; functionOid: number };

export type StatementVerdict =
  /** Send it; `tag` travels with the statement's expectation to the result hooks. */
  | { kind: 'forward'; tag?: unknown }
  /** Never send it. The client gets `error`; the upstream aborts a running transaction exactly as for an error. */
  | { kind: 'refuse'; error: NoticeFields; tag?: unknown };

/** Facts about the session the policy layer may consult. */
export interface SessionView {
  readonly id: string;
  readonly user: string;
  readonly database: string;
  readonly applicationName: string;
  /** The upstream's current ParameterStatus values (standard_conforming_strings, ...). */
  readonly parameters: ReadonlyMap<string, string>;
  readonly transactionStatus: 'I' | 'T' | 'E';
  /** Sends a NoticeResponse to the client at once (approval waits announce themselves this way). */
  notice(fields: NoticeFields): void;
}

/**
 * The seam between transport and policy. The relay calls `judge` before each statement
 * reaches the upstream (it may take as long as an approval takes; the client's later messages
 * wait behind it), `rewrite` on each result frame, and `completed` when a statement's
 * answer is over.
 */
export interface SessionPolicy {
  /** When true, the relay makes sure every DataRow has a known row shape (it injects Describe). */
  readonly needsRowShapes: boolean;
  judge(event: StatementEvent, session: SessionView): StatementVerdict | Promise<StatementVerdict>;
  /**
   * Returns the frame to send (the same `frame.raw` to pass it unchanged) or null to withhold
   * it. A promise pauses the result stream until it settles (catalog lookups for a new row shape).
   */
  rewrite?(frame: Frame, context: FrameContext, session: SessionView): Buffer | null | Promise<Buffer | null>;
  /**
   * Offered a run of DataRow or CopyData frames before rewrite sees any of them: returns the
   * bytes to send for the whole run (`run.raw` itself when it passes unchanged), having
   * accounted for its rows, or null to get each frame through rewrite instead. A policy may
   * rewrite `run.raw` in place: the bytes it returns then start where `run.raw` starts, in the
   * same memory. Other rewritten bytes may be a view into memory the policy reuses on its next
   * call: the session copies them before it calls again. Once it has returned null the run must
   * be untouched; if it throws, `run.raw` may be half rewritten, and the session ends rather
   * than read it again. Without this hook, a policy with rewrite sees every frame.
   */
  rewriteRun?(run: FrameRun, context: FrameContext): Buffer | null;
  completed?(expectation: Expectation, session: SessionView): void;
  /** A client's CancelRequest; return true if the policy consumed it (a held statement was withdrawn). */
  cancel?(session: SessionView): boolean;
  closed?(session: SessionView): void;
}

/** The policy of `--allow-all`: every statement passes, results pass unchanged. */
export const passThroughPolicy: SessionPolicy = {
  needsRowShapes: false,
  judge: () => ({ kind: 'forward' }),
};

/** A proxy's policies: a fresh one per session, and a close for what they share (spool, catalog). */
export interface SessionPolicyFactory {
  create: () => SessionPolicy;
  close: () => Promise<void>;
}

export const passThroughFactory: SessionPolicyFactory = { create: () => passThroughPolicy, close: async () => undefined };
