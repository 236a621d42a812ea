import { z } from 'zod';
import { approvalRequestSchema } from '../api/approvals.ts';
import { auditSearchPageSchema, auditSearchQuerySchema, auditVerifySchema } from '../api/audit.ts';
import {
  policyDiffParamsSchema,
  policyDiffResultSchema,
  policyHistoryResultSchema,
  recordingDownloadParamsSchema,
  recordingDownloadResultSchema,
  sessionTimelineParamsSchema,
  sessionTimelineSchema,
  updatePolicyParamsSchema,
  updatePolicyResultSchema,
  validatePolicyParamsSchema,
  validatePolicyResultSchema,
} from './admin-bridge.ts';
import { approvalIdParamsSchema, decideParamsSchema, inboxResultSchema, notificationSchema } from './approvals-bridge.ts';
import {
  connectionListParamsSchema,
  connectionListResultSchema,
  connectionNameParamsSchema,
  localPortSchema,
  schemaResultSchema,
} from './connections-bridge.ts';
import { exportParamsSchema, exportResultSchema, queryEventSchema, queryIdParamsSchema, queryRunParamsSchema, queryRunResultSchema } from './query-bridge.ts';
import { sessionStateSchema, setServerParamsSchema, signInResultSchema } from './session-bridge.ts';
import {
  terminalEventSchema,
  terminalIdParamsSchema,
  terminalInputParamsSchema,
  terminalOpenParamsSchema,
  terminalOpenResultSchema,
  terminalResizeParamsSchema,
} from './terminal-bridge.ts';

const none = z.object({}).strict();
const ok = z.object({ ok: z.literal(true) });

/**
 * Every call the renderer can make, with its params and result. Both transports validate
 * params with these schemas before the broker sees them; the renderer's client is typed
 * from them. Recording and audit calls proxy the server's own contracts.
 */
export const bridgeMethods = {
  'session.state': { params: none, result: sessionStateSchema },
  'session.setServer': { params: setServerParamsSchema, result: sessionStateSchema },
  'session.signIn': { params: none, result: signInResultSchema },
  'session.signOut': { params: none, result: sessionStateSchema },

  'connections.list': { params: connectionListParamsSchema, result: connectionListResultSchema },
  'connections.openLocalPort': { params: connectionNameParamsSchema, result: localPortSchema },
  'connections.closeLocalPort': { params: connectionNameParamsSchema, result: ok },
  'connections.schema': { params: connectionNameParamsSchema, result: schemaResultSchema },

  'query.run': { params: queryRunParamsSchema, result: queryRunResultSchema },
  'query.cancel': { params: queryIdParamsSchema, result: ok },
  'query.export': { params: exportParamsSchema, result: exportResultSchema },

  'approvals.inbox': { params: none, result: inboxResultSchema },
  'approvals.get': { params: approvalIdParamsSchema, result: approvalRequestSchema },
  'approvals.decide': { params: decideParamsSchema, result: approvalRequestSchema },
  'approvals.cancel': { params: approvalIdParamsSchema, result: approvalRequestSchema },

  'terminal.open': { params: terminalOpenParamsSchema, result: terminalOpenResultSchema },
  'terminal.input': { params: terminalInputParamsSchema, result: ok },
  'terminal.resize': { params: terminalResizeParamsSchema, result: ok },
  'terminal.close': { params: terminalIdParamsSchema, result: ok },

  'audit.search': { params: auditSearchQuerySchema, result: auditSearchPageSchema },
  'audit.verify': { params: none, result: auditVerifySchema },
  /** The export's text for the current filter (JSON lines or CSV). */
  'audit.export': { params: auditSearchQuerySchema.extend({ format: z.enum(['jsonl', 'csv']) }), result: z.object({ content: z.string(), rows: z.number().int() }) },

  /**
   * Recordings: the server's JSON answers passed through. `path` is a server path under
   * /v1/recordings (e.g. `search?q=ls`, `<id>/screen?t=5000`); the broker adds the token.
   */
  'recordings.get': { params: z.object({ path: z.string().regex(/^[A-Za-z0-9_./?=&%:-]*$/).max(2000) }), result: z.unknown() },
  /** The `.cast` file or the evidence bundle (tar) of one recording, base64; refused over 200 MB. */
  'recordings.download': { params: recordingDownloadParamsSchema, result: recordingDownloadResultSchema },
  /** A query session's statements in order, with decision, rule, duration, rows, masking and approvals. */
  'audit.sessionTimeline': { params: sessionTimelineParamsSchema, result: sessionTimelineSchema },

  'admin.policyHistory': { params: connectionNameParamsSchema, result: policyHistoryResultSchema },
  'admin.policyDiff': { params: policyDiffParamsSchema, result: policyDiffResultSchema },
  /** Checked in the broker with the same parser the server uses: nothing is sent. */
  'admin.validatePolicy': { params: validatePolicyParamsSchema, result: validatePolicyResultSchema },
  'admin.updatePolicy': { params: updatePolicyParamsSchema, result: updatePolicyResultSchema },
} as const;

export type BridgeMethod = keyof typeof bridgeMethods;
export type BridgeParams<M extends BridgeMethod> = z.input<(typeof bridgeMethods)[M]['params']>;
export type BridgeReply<M extends BridgeMethod> = z.infer<(typeof bridgeMethods)[M]['result']>;

/** Events the broker pushes to the renderer. */
export const bridgeEvents = {
  'session.changed': sessionStateSchema,
  'query.event': queryEventSchema,
  'terminal.event': terminalEventSchema,
  /** A request was created or changed that concerns me (to decide, or mine). */
  'approvals.changed': approvalRequestSchema,
  /** Pending requests I may decide: the badge and the tray count. */
  'approvals.pending': z.object({ count: z.number().int() }),
  /** Something worth an OS notification; the Electron shell shows it, a browser tab may too. */
  notification: notificationSchema,
  /** A deep link (gatehouse://…) the shell received; the renderer navigates to it. */
  navigate: z.object({ route: z.string() }),
} as const;

export type BridgeEventName = keyof typeof bridgeEvents;
export type BridgeEventData<E extends BridgeEventName> = z.infer<(typeof bridgeEvents)[E]>;
