import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import type { AuditRecord } from '../../../shared/api/audit.ts';
import type { Principal } from '../../../shared/api/identity.ts';

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Route = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** An HTTP server on 127.0.0.1:0 that records requests and answers through `routes` ("GET /v1/me"). */
export class RouteServer {
  readonly requests: RecordedRequest[] = [];
  baseUrl = '';
  private server: Server | undefined;

  constructor(readonly routes: Record<string, Route>) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const recorded = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', this.baseUrl), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(recorded);
        const route = this.routes[`${recorded.method} ${recorded.url.pathname}`];
        if (route === undefined) {
          sendJson(res, 404, { statusCode: 404, error: 'Not Found', message: `no route ${recorded.method} ${recorded.url.pathname}` });
          return;
        }
        void Promise.resolve(route(recorded, res)).catch((err: unknown) => {
          sendJson(res, 500, { message: String(err) });
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export const alice: Principal = {
  subject: 'alice-sub',
  name: 'alice@example.com',
  groups: ['analysts'],
  roles: ['analyst'],
  approverGroups: [],
  machine: false,
};

export function approvalRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: 'apr_1',
    state: 'pending',
    connection: 'orders-prod',
    requester: 'alice-sub',
    requesterName: 'alice@example.com',
    requesterMachine: false,
    scope: { kind: 'statement', statement: 'DELETE FROM orders WHERE id = 7', fingerprint: 'fp1', class: 'write' },
    rule: 'writes-need-approval',
    policyVersion: 3,
    justification: 'fix a duplicate order',
    approverGroups: ['dba'],
    escalationGroups: [],
    escalated: false,
    minApprovals: 1,
    decisions: [],
    createdAt: '2025-01-02T10:00:00.000Z',
    expiresAt: '2025-01-02T11:00:00.000Z',
    escalateAt: null,
    decidedAt: null,
    cannotDecideReason: null,
    ...overrides,
  };
}

export function auditRecord(seq: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    seq,
    id: `0190a0b0-0000-7000-8000-00000000000${seq % 10}`,
    time: `2025-01-02T10:00:0${seq % 10}.000Z`,
    source: 'broker',
    kind: 'statement',
    actor: 'alice@example.com',
    actorMachine: false,
    connection: 'orders-prod',
    statementClass: 'read',
    decision: 'allow',
    text: 'SELECT * FROM orders',
    event: {},
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    ...overrides,
  };
}
