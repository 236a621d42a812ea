import { afterEach, describe, expect, it } from 'vitest';
import { ServerApi, ServerApiError, ServerUnreachableError } from '../../../broker/server-client/api-client.ts';
import { freePort } from '../../support/free-port.ts';
import { alice, approvalRequest, auditRecord, RouteServer, sendJson, type Route } from './fixtures.ts';

const servers: RouteServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function serve(routes: Record<string, Route>): Promise<RouteServer> {
  const server = await new RouteServer(routes).start();
  servers.push(server);
  return server;
}

const fixedToken = { accessToken: () => Promise.resolve('tok-A') };

describe('ServerApi', () => {
  it('sends the bearer token and returns the validated answer', async () => {
    const server = await serve({ 'GET /v1/me': (_req, res) => sendJson(res, 200, alice) });
    const api = new ServerApi(`${server.baseUrl}/`, fixedToken);
    expect(await api.me()).toEqual(alice);
    expect(server.requests[0]!.headers['authorization']).toBe('Bearer tok-A');
  });

  it('asks for the auth config without a token', async () => {
    const config = { issuer: 'https://idp.example.com', clientId: 'gatehouse', audience: 'https://gatehouse.example.com', scopes: ['openid'], devIdp: false };
    const server = await serve({ 'GET /v1/auth/config': (_req, res) => sendJson(res, 200, config) });
    const api = new ServerApi(server.baseUrl, { accessToken: () => Promise.reject(new Error('must not be asked')) });
    expect(await api.authConfig()).toEqual(config);
    expect(server.requests[0]!.headers['authorization']).toBeUndefined();
  });

  it('reads approval lists as a bare array or wrapped, and asks for mine=true', async () => {
    const server = await serve({
      'GET /v1/approvals': (_req, res) => sendJson(res, 200, { requests: [approvalRequest({ id: 'a1' })] }),
      'GET /v1/approvals/inbox': (_req, res) => sendJson(res, 200, [approvalRequest({ id: 'a2' }), approvalRequest({ id: 'a3' })]),
    });
    const api = new ServerApi(server.baseUrl, fixedToken);
    expect((await api.listMyApprovals()).map((a) => a.id)).toEqual(['a1']);
    expect((await api.approvalInbox()).map((a) => a.id)).toEqual(['a2', 'a3']);
    expect(server.requests[0]!.url.searchParams.get('mine')).toBe('true');
  });

  it('posts a decision as JSON, with the comment defaulting to empty, to the escaped id', async () => {
    const server = await serve({
      'POST /v1/approvals/a%2Fb/decision': (_req, res) => sendJson(res, 200, approvalRequest({ id: 'a/b', state: 'approved' })),
    });
    const api = new ServerApi(server.baseUrl, fixedToken);
    const decided = await api.decideApproval('a/b', { decision: 'approve' });
    expect(decided.state).toBe('approved');
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ decision: 'approve', comment: '' });
  });

  it('turns an error answer into ServerApiError with status, code and message', async () => {
    const server = await serve({
      'POST /v1/approvals/apr_1/decision': (_req, res) =>
        sendJson(res, 403, { code: 'own_request', message: 'you cannot approve your own request' }),
    });
    const api = new ServerApi(server.baseUrl, fixedToken);
    const err = await api.decideApproval('apr_1', { decision: 'approve', comment: 'ok' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerApiError);
    expect(err).toMatchObject({ status: 403, code: 'own_request', retryable: false });
    expect((err as Error).message).toContain('you cannot approve your own request');
  });

  it('uses http_<status> and the status line when the error body is not JSON', async () => {
    const server = await serve({
      'GET /v1/me': (_req, res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>bad gateway</html>');
      },
    });
    const err = await new ServerApi(server.baseUrl, fixedToken).me().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: 'http_502', retryable: true });
  });

  it('rejects an answer that breaks the contract', async () => {
    const server = await serve({ 'GET /v1/me': (_req, res) => sendJson(res, 200, { subject: 'x' }) });
    const err = await new ServerApi(server.baseUrl, fixedToken).me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerApiError);
    expect(err).toMatchObject({ code: 'invalid_response', status: 200 });
  });

  it('reports a refused connection as ServerUnreachableError', async () => {
    const port = await freePort();
    const err = await new ServerApi(`http://127.0.0.1:${port}`, fixedToken).me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerUnreachableError);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('reports a server that never answers as ServerUnreachableError after the timeout', async () => {
    const server = await serve({ 'GET /v1/me': () => undefined });
    const started = Date.now();
    const err = await new ServerApi(server.baseUrl, fixedToken, { timeoutMs: 150 }).me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerUnreachableError);
    expect((err as Error).message).toContain('timed out');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('retries once with a fresh token after a 401', async () => {
    const server = await serve({
      'GET /v1/me': (req, res) =>
        req.headers['authorization'] === 'Bearer new' ? sendJson(res, 200, alice) : sendJson(res, 401, { code: 'token_expired', message: 'expired' }),
    });
    let token = 'old';
    const api = new ServerApi(server.baseUrl, { accessToken: () => Promise.resolve(token), invalidate: () => void (token = 'new') });
    expect((await api.me()).subject).toBe('alice-sub');
    expect(server.requests.map((r) => r.headers['authorization'])).toEqual(['Bearer old', 'Bearer new']);
  });

  it('passes search filters as query parameters and validates the page', async () => {
    const server = await serve({
      'GET /v1/audit/search': (_req, res) => sendJson(res, 200, { records: [auditRecord(1), auditRecord(2)], nextAfter: 2 }),
    });
    const page = await new ServerApi(server.baseUrl, fixedToken).searchAudit({ user: 'alice', decision: 'block', limit: 2 });
    expect(page.records.map((r) => r.seq)).toEqual([1, 2]);
    expect(page.nextAfter).toBe(2);
    const params = Object.fromEntries(server.requests[0]!.url.searchParams);
    expect(params).toEqual({ user: 'alice', decision: 'block', limit: '2' });
  });

  it('streams an export as it arrives', async () => {
    let finish: () => void = () => undefined;
    const server = await serve({
      'GET /v1/audit/export': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"seq":1}\n');
        finish = () => res.end('{"seq":2}\n');
      },
    });
    const body = await new ServerApi(server.baseUrl, fixedToken, { timeoutMs: 2000 }).exportAudit('jsonl', { connection: 'orders-prod' });
    const chunks: string[] = [];
    body.on('data', (c: Buffer) => {
      chunks.push(c.toString('utf8'));
      finish();
    });
    await new Promise((resolve) => body.on('end', resolve));
    expect(chunks.join('')).toBe('{"seq":1}\n{"seq":2}\n');
    expect(Object.fromEntries(server.requests[0]!.url.searchParams)).toEqual({ connection: 'orders-prod', format: 'jsonl' });
  });

  it('refuses a bad request before sending it', async () => {
    const server = await serve({});
    const api = new ServerApi(server.baseUrl, fixedToken);
    await expect(api.getConnection('Not A Name')).rejects.toThrow();
    await expect(api.searchAudit({ limit: 5000 })).rejects.toThrow();
    expect(server.requests).toHaveLength(0);
  });
});
