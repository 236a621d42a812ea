import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { authConfigSchema, meResponseSchema, type AuthConfig, type Principal } from '../../shared/api/identity.ts';
import {
  connectionNameSchema,
  connectionSummarySchema,
  connectionUpdateSchema,
  policyDiffSchema,
  policyVersionSchema,
  leaseRequestSchema,
  leaseSchema,
  type ConnectionSummary,
  type Lease,
  type PolicyVersion,
} from '../../shared/api/connections.ts';
import {
  approvalCreateSchema,
  approvalRequestSchema,
  decideSchema,
  redeemResponseSchema,
  redeemSchema,
  type ApprovalRequest,
} from '../../shared/api/approvals.ts';
import {
  auditIngestResponseSchema,
  auditIngestSchema,
  auditSearchPageSchema,
  auditSearchQuerySchema,
  auditVerifySchema,
  type AuditVerify,
} from '../../shared/api/audit.ts';
import {
  recordingChunkAckSchema,
  recordingChunkConflictSchema,
  recordingChunkSchema,
  recordingEndSchema,
  recordingStartSchema,
  recordingSummarySchema,
  type RecordingChunk,
  type RecordingChunkAck,
  type RecordingChunkConflict,
  type RecordingEnd,
  type RecordingStart,
  type RecordingSummary,
} from '../../shared/api/recordings.ts';
import { liveSessionListSchema, sessionKillResultSchema, sessionKillSchema, type LiveSession, type SessionKillResult } from '../../shared/api/sessions.ts';
import { ServerApiError, ServerUnreachableError } from './server-api-errors.ts';

export { ServerApiError, ServerUnreachableError } from './server-api-errors.ts';

/** Anything that hands out a current access token (TokenSession, or a fixed token in tests). */
export interface AccessTokenSource {
  accessToken(): Promise<string>;
  /** Called after a 401: the next accessToken() must not return the rejected token. */
  invalidate?(): void;
}

export interface ServerApiOptions {
  fetch?: typeof fetch;
  /** Per request, until the response headers arrive. Default 30 s. */
  timeoutMs?: number;
}

export type LeaseRequest = z.input<typeof leaseRequestSchema>;
export type ConnectionUpdateInput = z.input<typeof connectionUpdateSchema>;
export type PolicyDiff = z.infer<typeof policyDiffSchema>;
export type RecordingDownloadFormat = 'cast' | 'evidence';

/** A recording file as the server streams it, with the name it suggests saving it under. */
export interface RecordingDownload {
  filename: string;
  /** From Content-Length; null when the server streams without one. */
  contentLength: number | null;
  body: Readable;
}
export type ApprovalCreateInput = z.input<typeof approvalCreateSchema>;
export type DecisionInput = z.input<typeof decideSchema>;
export type RedeemInput = z.input<typeof redeemSchema>;
export type RedeemResponse = z.infer<typeof redeemResponseSchema>;
export type AuditIngestBatch = z.input<typeof auditIngestSchema>;
export type AuditIngestResponse = z.infer<typeof auditIngestResponseSchema>;
export type AuditSearchQuery = z.input<typeof auditSearchQuerySchema>;
export type AuditSearchPage = z.infer<typeof auditSearchPageSchema>;
/** The search filters without paging: what an export selects. */
export type AuditExportFilters = Omit<AuditSearchQuery, 'after' | 'limit'>;
export type AuditExportFormat = 'jsonl' | 'csv';

const DEFAULT_TIMEOUT_MS = 30_000;

/*
 * The contracts in shared/api do not pin the envelope of list answers; accept a bare array or an
 * object holding it under `items` or the resource's name, and nothing else.
 */
function listOf<T extends z.ZodType>(item: T, key: string): z.ZodType<z.infer<T>[]> {
  const array = z.array(item);
  return z.union([
    array,
    z.object({ items: array }).transform((o) => o.items),
    z.object({ [key]: array }).transform((o) => o[key] as z.infer<T>[]),
  ]) as unknown as z.ZodType<z.infer<T>[]>;
}

const connectionListSchema = listOf(connectionSummarySchema, 'connections');
const approvalListSchema = z.union([listOf(approvalRequestSchema, 'requests'), listOf(approvalRequestSchema, 'approvals')]);

interface RequestSpec<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  response: z.ZodType<T>;
  /** Only GET /v1/auth/config is public. */
  anonymous?: boolean;
}

/** Typed client of the policy server's /v1 API. Every answer is checked against its contract. */
export class ServerApi {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(
    baseUrl: string,
    private readonly tokens: AccessTokenSource,
    opts: ServerApiOptions = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.fetchImpl = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async me(): Promise<Principal> {
    return this.call({ method: 'GET', path: '/v1/me', response: meResponseSchema });
  }

  async authConfig(): Promise<AuthConfig> {
    return this.call({ method: 'GET', path: '/v1/auth/config', response: authConfigSchema, anonymous: true });
  }

  /** `q` is the server's search over names and descriptions. */
  async listConnections(opts: { q?: string } = {}): Promise<ConnectionSummary[]> {
    const query = opts.q === undefined || opts.q === '' ? undefined : { q: opts.q };
    return this.call({ method: 'GET', path: '/v1/connections', ...(query === undefined ? {} : { query }), response: connectionListSchema });
  }

  /** One version of a connection's policy document (its YAML text). */
  async getPolicyVersion(name: string, version: number): Promise<PolicyVersion> {
    const valid = connectionNameSchema.parse(name);
    return this.call({ method: 'GET', path: `/v1/connections/${encodeURIComponent(valid)}/policies/${Math.trunc(version)}`, response: policyVersionSchema });
  }

  async getConnection(name: string): Promise<ConnectionSummary> {
    const valid = connectionNameSchema.parse(name);
    return this.call({ method: 'GET', path: `/v1/connections/${encodeURIComponent(valid)}`, response: connectionSummarySchema });
  }

  /** Every policy version of a connection with its author and reason (admins and auditors). */
  async listPolicyVersions(name: string): Promise<PolicyVersion[]> {
    const valid = connectionNameSchema.parse(name);
    return this.call({ method: 'GET', path: `/v1/connections/${encodeURIComponent(valid)}/policies`, response: listOf(policyVersionSchema, 'versions') });
  }

  /** The unified diff between two policy versions of a connection. */
  async policyDiff(name: string, from: number, to: number): Promise<PolicyDiff> {
    const valid = connectionNameSchema.parse(name);
    return this.call({ method: 'GET', path: `/v1/connections/${encodeURIComponent(valid)}/policies/diff`, query: { from: Math.trunc(from), to: Math.trunc(to) }, response: policyDiffSchema });
  }

  /** PATCH /v1/connections/:name (admins): a new policy text makes a new version and needs a reason. */
  async updateConnection(name: string, patch: ConnectionUpdateInput): Promise<ConnectionSummary> {
    const valid = connectionNameSchema.parse(name);
    return this.call({ method: 'PATCH', path: `/v1/connections/${encodeURIComponent(valid)}`, body: connectionUpdateSchema.parse(patch), response: connectionSummarySchema });
  }

  /** The `.cast` file or the evidence bundle of a recording, streamed; the caller decides how much to take. */
  async openRecordingDownload(id: string, format: RecordingDownloadFormat): Promise<RecordingDownload> {
    const path = `/v1/recordings/${encodeRecordingId(id)}/${format}`;
    const response = await this.send('GET', path, undefined, undefined, false);
    if (!response.ok) throw await errorFrom(response, `GET ${path}`);
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const suggested = /filename="([^"\\/]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
    return {
      filename: suggested ?? `gatehouse-${format === 'cast' ? 'recording' : 'evidence'}-${id}.${format === 'cast' ? 'cast' : 'tar'}`,
      contentLength: Number.isFinite(length) ? length : null,
      body: response.body === null ? Readable.from([]) : Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    };
  }

  async createLease(request: LeaseRequest): Promise<Lease> {
    return this.call({ method: 'POST', path: '/v1/leases', body: leaseRequestSchema.parse(request), response: leaseSchema });
  }

  async createApproval(request: ApprovalCreateInput): Promise<ApprovalRequest> {
    return this.call({ method: 'POST', path: '/v1/approvals', body: approvalCreateSchema.parse(request), response: approvalRequestSchema });
  }

  /** Requests the caller made. */
  async listMyApprovals(): Promise<ApprovalRequest[]> {
    return this.call({ method: 'GET', path: '/v1/approvals', query: { mine: true }, response: approvalListSchema });
  }

  /** Requests the caller may decide. */
  async approvalInbox(): Promise<ApprovalRequest[]> {
    return this.call({ method: 'GET', path: '/v1/approvals/inbox', response: approvalListSchema });
  }

  async getApproval(id: string): Promise<ApprovalRequest> {
    return this.call({ method: 'GET', path: `/v1/approvals/${encodeId(id)}`, response: approvalRequestSchema });
  }

  async decideApproval(id: string, decision: DecisionInput): Promise<ApprovalRequest> {
    return this.call({
      method: 'POST',
      path: `/v1/approvals/${encodeId(id)}/decision`,
      body: decideSchema.parse(decision),
      response: approvalRequestSchema,
    });
  }

  async cancelApproval(id: string): Promise<ApprovalRequest> {
    return this.call({ method: 'POST', path: `/v1/approvals/${encodeId(id)}/cancel`, body: {}, response: approvalRequestSchema });
  }

  async redeemApproval(id: string, redeem: RedeemInput): Promise<RedeemResponse> {
    return this.call({
      method: 'POST',
      path: `/v1/approvals/${encodeId(id)}/redeem`,
      body: redeemSchema.parse(redeem),
      response: redeemResponseSchema,
    });
  }

  async ingestAudit(batch: AuditIngestBatch): Promise<AuditIngestResponse> {
    return this.call({ method: 'POST', path: '/v1/audit/ingest', body: auditIngestSchema.parse(batch), response: auditIngestResponseSchema });
  }

  async searchAudit(query: AuditSearchQuery = {}): Promise<AuditSearchPage> {
    const valid = auditSearchQuerySchema.parse(query);
    return this.call({ method: 'GET', path: '/v1/audit/search', query: valid, response: auditSearchPageSchema });
  }

  async verifyAudit(): Promise<AuditVerify> {
    return this.call({ method: 'GET', path: '/v1/audit/verify', response: auditVerifySchema });
  }

  /** Announces a recording before its first chunk; repeating it is harmless. */
  async startRecording(start: RecordingStart): Promise<RecordingSummary> {
    return this.call({ method: 'POST', path: '/v1/recordings', body: recordingStartSchema.parse(start), response: recordingSummarySchema });
  }

  /** Sends chunk `chunk.seq`; a 409 (gap, or other content under that number) comes back as the conflict, with the number the server expects. */
  async putRecordingChunk(id: string, chunk: RecordingChunk): Promise<RecordingChunkAck | RecordingChunkConflict> {
    const path = `/v1/recordings/${encodeRecordingId(id)}/chunks/${chunk.seq}`;
    const response = await this.send('PUT', path, undefined, recordingChunkSchema.parse(chunk), false);
    if (response.status === 409) {
      const parsed = recordingChunkConflictSchema.safeParse(await response.json().catch(() => null));
      if (parsed.success) return parsed.data;
      throw new ServerApiError(409, 'conflict', `PUT ${path}: conflict without the expected chunk number`);
    }
    if (!response.ok) throw await errorFrom(response, `PUT ${path}`);
    return recordingChunkAckSchema.parse(await response.json());
  }

  async endRecording(id: string, end: RecordingEnd): Promise<RecordingSummary> {
    return this.call({ method: 'POST', path: `/v1/recordings/${encodeRecordingId(id)}/end`, body: recordingEndSchema.parse(end), response: recordingSummarySchema });
  }

  /** Sessions with a recording in progress: every user's for auditors and admins, else the caller's own. */
  async listLiveSessions(): Promise<LiveSession[]> {
    const list = await this.call({ method: 'GET', path: '/v1/sessions', response: liveSessionListSchema });
    return list.sessions;
  }

  /** The kill switch (auditors and admins): the broker holding the session ends it within a second. */
  async killSession(id: string, kill: z.input<typeof sessionKillSchema> = {}): Promise<SessionKillResult> {
    if (id === '') throw new RangeError('a session id is required');
    return this.call({ method: 'POST', path: `/v1/sessions/${encodeURIComponent(id)}/kill`, body: sessionKillSchema.parse(kill), response: sessionKillResultSchema });
  }

  /**
   * A JSON answer of the recordings API, passed through unchecked (the caller is a viewer that
   * knows the shapes). `path` is relative to /v1/recordings/ and may carry a query string; it
   * cannot climb out of /v1/recordings.
   */
  async getRecordingJson(path: string): Promise<unknown> {
    const [pathname = '', search = ''] = path.split(/\?(.*)/s, 2);
    const segments = pathname === '' ? [] : pathname.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..' || /%2e|%2f|%5c/i.test(s) || s.includes('\\'))) {
      throw new RangeError(`not a recordings path: ${path}`);
    }
    const query = Object.fromEntries(new URLSearchParams(search));
    return this.call({ method: 'GET', path: segments.length === 0 ? '/v1/recordings' : `/v1/recordings/${segments.join('/')}`, query, response: z.unknown() });
  }

  /**
   * The server streams the export; so does this. The timeout covers the wait for the response
   * headers only — a large export may legitimately take minutes to arrive.
   */
  async exportAudit(format: AuditExportFormat, filters: AuditExportFilters = {}): Promise<Readable> {
    const valid = auditSearchQuerySchema.omit({ after: true, limit: true }).parse(filters);
    const response = await this.send('GET', '/v1/audit/export', { ...valid, format }, undefined, false);
    if (!response.ok) throw await errorFrom(response, `GET /v1/audit/export`);
    if (response.body === null) return Readable.from([]);
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }

  private async call<T>(spec: RequestSpec<T>): Promise<T> {
    const what = `${spec.method} ${spec.path}`;
    const response = await this.send(spec.method, spec.path, spec.query, spec.body, spec.anonymous === true);
    if (!response.ok) throw await errorFrom(response, what);
    let json: unknown;
    try {
      json = await response.json();
    } catch (err) {
      throw new ServerApiError(response.status, 'invalid_response', `${what}: the server's answer is not JSON`, { cause: err });
    }
    const parsed = spec.response.safeParse(json);
    if (!parsed.success) {
      throw new ServerApiError(
        response.status,
        'invalid_response',
        `${what}: the server's answer does not match the contract: ${z.prettifyError(parsed.error)}`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  /** One request, retried once with a fresh token if the server refused the one we had. */
  private async send(
    method: string,
    path: string,
    query: Record<string, string | number | boolean | undefined> | undefined,
    body: unknown,
    anonymous: boolean,
  ): Promise<Response> {
    const url = this.url(path, query);
    let response = await this.sendOnce(method, url, body, anonymous);
    if (response.status === 401 && !anonymous && this.tokens.invalidate !== undefined) {
      await response.body?.cancel().catch(() => undefined);
      this.tokens.invalidate();
      response = await this.sendOnce(method, url, body, anonymous);
    }
    return response;
  }

  private async sendOnce(method: string, url: URL, body: unknown, anonymous: boolean): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    // Token errors (not signed in, refresh refused) are the caller's to see, not "unreachable".
    if (!anonymous) headers['authorization'] = `Bearer ${await this.tokens.accessToken()}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), this.timeoutMs);
    try {
      return await this.fetchImpl(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        redirect: 'error',
      });
    } catch (err) {
      throw new ServerUnreachableError(this.baseUrl, err);
    } finally {
      clearTimeout(timer);
    }
  }

  private url(path: string, query: Record<string, string | number | boolean | undefined> | undefined): URL {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }
}

function encodeId(id: string): string {
  if (id === '') throw new RangeError('an approval id is required');
  return encodeURIComponent(id);
}

function encodeRecordingId(id: string): string {
  if (id === '') throw new RangeError('a recording id is required');
  return encodeURIComponent(id);
}

const errorBodySchema = z.object({
  code: z.string().optional(),
  error: z.string().optional(),
  message: z.string().optional(),
});

async function errorFrom(response: Response, what: string): Promise<ServerApiError> {
  const text = await response.text().catch(() => '');
  let code = `http_${response.status}`;
  let message = response.statusText === '' ? `HTTP ${response.status}` : response.statusText;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      code = parsed.data.code ?? code;
      message = parsed.data.message ?? parsed.data.error ?? message;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the status line.
  }
  return new ServerApiError(response.status, code, `${what}: ${message}`);
}
