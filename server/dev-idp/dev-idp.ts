/**
 * Gatehouse's dev identity provider — FOR DEVELOPMENT ONLY.
 *
 * A real OpenID Provider (oidc-provider) for demos and tests, so the whole sign-in path runs
 * without an external IdP. It must never face real users: passwords are public, state lives in
 * memory, and every page and log line says so.
 *
 * Demo users (password = username + "-password", e.g. alice / alice-password):
 *   alice [analysts] · bob [db-approvers] · erin [db-approvers] · carol [auditors] · dave [admins]
 *
 * Clients:
 *   gatehouse-app    public native client: authorization code + PKCE S256 (required), redirect
 *                    URIs http://127.0.0.1:<any port>/callback and http://[::1]:<any port>/callback
 *                    (RFC 8252 §7.3), refresh tokens (scope offline_access) rotated on every use.
 *   gatehouse-agent  confidential client for the client-credentials grant (client_secret_basic).
 *
 * Access tokens are RS256 JWTs (typ at+jwt) for the resource `audience`, carrying `groups`,
 * `preferred_username`, `email` and `name`; client-credentials tokens carry
 * `gty: "client_credentials"` and `sub` = the client id.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Logger } from 'pino';
import type { OidcClient, OidcContext, OidcToken, Provider } from 'oidc-provider';
import { DEMO_USERS, demoUserClaims, findDemoUser } from './demo-users.ts';
import { DEV_IDP_LOG_PREFIX, renderLogoutPage, renderMessagePage } from './dev-idp-pages.ts';
import { createInteractionRoutes } from './interaction-routes.ts';
import { DevIdpStore } from './memory-adapter.ts';
import { loadOrCreateSigningKey } from './signing-key.ts';

export const DEV_IDP_APP_CLIENT_ID = 'gatehouse-app';
export const DEV_IDP_MACHINE_CLIENT_ID = 'gatehouse-agent';
/** OIDC scopes the dev IdP knows; the app should ask for all of them. */
export const DEV_IDP_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'] as const;
/** The scope granted on the Gatehouse resource; access tokens carry it in `scope`. */
export const DEV_IDP_RESOURCE_SCOPE = 'gatehouse';

export interface DevIdpOptions {
  /** Address to listen on and to put in the issuer URL. Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The Gatehouse server's resource identifier: an absolute URI, put in every access token's `aud`. */
  audience: string;
  /** The only policy: any port on a loopback callback (RFC 8252). Accepted for explicitness. */
  appRedirectPorts?: 'loopback-any';
  /** Keep the signing key in this file (created 0600) so tokens survive a restart. Default: a fresh key per start. */
  keyFile?: string;
  /** Fixed secret for gatehouse-agent; default a random one per start. */
  machineClientSecret?: string;
  /** Parent logger; the dev IdP logs through a child whose every line starts with the development-only prefix. */
  logger?: Logger;
  /** Access-token lifetime in seconds. Default 600. */
  accessTokenTtlSec?: number;
}

export interface DevIdp {
  issuer: string;
  clientId: string;
  machineClient: { clientId: string; clientSecret: string };
  close(): Promise<void>;
}

const DAY_SEC = 24 * 60 * 60;

export async function startDevIdp(opts: DevIdpOptions): Promise<DevIdp> {
  if (URL.parse(opts.audience) === null) throw new Error(`dev IdP: audience must be an absolute URI, got ${JSON.stringify(opts.audience)}`);
  const logger = (opts.logger ?? pino({ level: 'info' })).child({ component: 'dev-idp' }, { msgPrefix: DEV_IDP_LOG_PREFIX });
  const host = opts.host ?? '127.0.0.1';
  const machineClientSecret = opts.machineClientSecret ?? randomBytes(32).toString('base64url');
  const signingKey = await loadOrCreateSigningKey(opts.keyFile);
  // Imported lazily: oidc-provider prints a runtime notice on import, which only dev-IdP users should see.
  const { default: OidcProvider, errors } = await import('oidc-provider');

  // The issuer URL needs the port, so the server listens before the provider exists.
  let dispatch: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => dispatch(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const store = new DevIdpStore();

  // Called only once requests arrive, by which time `provider` below is set.
  async function grantFirstParty(clientId: string, accountId: string, existingGrantId?: string): Promise<string> {
    const existing = existingGrantId === undefined ? undefined : await provider.Grant.find(existingGrantId);
    const grant = existing ?? new provider.Grant({ clientId, accountId });
    grant.addOIDCScope(DEV_IDP_SCOPES.join(' '));
    grant.addResourceScope(opts.audience, DEV_IDP_RESOURCE_SCOPE);
    return grant.save();
  }

  const resourceServer = {
    scope: DEV_IDP_RESOURCE_SCOPE,
    audience: opts.audience,
    accessTokenFormat: 'jwt',
    accessTokenTTL: opts.accessTokenTtlSec ?? 600,
    jwt: { sign: { alg: 'RS256' } },
  };

  const provider: Provider = new OidcProvider(issuer, {
    adapter: (model: string) => store.adapterFor(model),
    clients: [
      {
        client_id: DEV_IDP_APP_CLIENT_ID,
        client_name: 'Gatehouse desktop app',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // Native loopback clients match these on any port (oidc-provider follows RFC 8252 §7.3).
        redirect_uris: ['http://127.0.0.1/callback', 'http://[::1]/callback'],
        post_logout_redirect_uris: ['http://127.0.0.1/signed-out', 'http://[::1]/signed-out'],
      },
      {
        client_id: DEV_IDP_MACHINE_CLIENT_ID,
        client_name: 'Gatehouse agent (client credentials)',
        client_secret: machineClientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: [...DEV_IDP_SCOPES],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // The desktop app shows who signed in straight from the ID token, without a userinfo call.
    conformIdTokenClaims: false,
    async findAccount(_ctx: OidcContext, sub: string) {
      const user = findDemoUser(sub);
      if (user === undefined) return undefined;
      return { accountId: user.username, claims: async () => demoUserClaims(user) };
    },
    async extraTokenClaims(_ctx: OidcContext, token: OidcToken) {
      if (token.kind === 'ClientCredentials') return { gty: 'client_credentials' };
      const user = token.accountId === undefined ? undefined : findDemoUser(token.accountId);
      if (user === undefined) return undefined;
      const { sub: _sub, ...claims } = demoUserClaims(user);
      return claims;
    },
    // Every client here is first-party: grant what the IdP offers instead of showing a consent page.
    async loadExistingGrant(ctx: OidcContext) {
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (clientId === undefined || accountId === undefined) return undefined;
      const existing = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(clientId);
      return ctx.oidc.provider.Grant.find(await grantFirstParty(clientId, accountId, existing));
    },
    pkce: { required: () => true },
    // oidc-provider drops offline_access unless prompt=consent is sent (OIDC Core §11); the desktop
    // app needs a refresh token either way, as real IdPs give it, so every code exchange gets one.
    issueRefreshToken: async (_ctx: OidcContext, client: OidcClient) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    rotateRefreshToken: true,
    clientBasedCORS: () => false,
    interactions: { url: (_ctx: OidcContext, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: OidcContext, client: OidcClient, token: OidcToken) => token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => opts.audience,
        // Without this the code exchange would mint an opaque userinfo token instead of one for Gatehouse.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: OidcContext, resourceIndicator: string) => {
          if (resourceIndicator !== opts.audience) throw new errors.InvalidTarget();
          return resourceServer;
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: OidcContext, form: string) => {
          ctx.type = 'html';
          ctx.body = renderLogoutPage(ctx.host, form);
        },
        postLogoutSuccessSource: async (ctx: OidcContext) => {
          ctx.type = 'html';
          ctx.body = renderMessagePage('Signed out', 'You have signed out of the Gatehouse dev IdP.');
        },
      },
    },
    renderError: async (ctx: OidcContext, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = renderMessagePage('Sign-in error', [out['error'], out['error_description']].filter(Boolean).join(': '));
    },
    ttl: {
      AccessToken: opts.accessTokenTtlSec ?? 600,
      ClientCredentials: opts.accessTokenTtlSec ?? 600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: DAY_SEC,
      Grant: 14 * DAY_SEC,
      RefreshToken: 14 * DAY_SEC,
    },
  });

  for (const event of ['authorization.error', 'grant.error', 'revocation.error', 'end_session.error', 'userinfo.error', 'discovery.error', 'jwks.error']) {
    provider.on(event, (_ctx, err) => logger.warn({ event, error: describeError(err) }, 'request refused'));
  }
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'server error'));

  const handleInteraction = createInteractionRoutes({ provider, logger, grantFirstParty });
  const providerCallback = provider.callback();
  dispatch = (req, res) => {
    handleInteraction(req, res).then(
      (handled) => {
        if (!handled) providerCallback(req, res);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'request failed');
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
  };

  logger.warn(
    { issuer, audience: opts.audience, users: DEMO_USERS.map((user) => user.username), appClientId: DEV_IDP_APP_CLIENT_ID, machineClientId: DEV_IDP_MACHINE_CLIENT_ID },
    'started; never use in production — demo passwords are <username>-password',
  );

  return {
    issuer,
    clientId: DEV_IDP_APP_CLIENT_ID,
    machineClient: { clientId: DEV_IDP_MACHINE_CLIENT_ID, clientSecret: machineClientSecret },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      logger.info('stopped');
    },
  };
}

function describeError(err: unknown): string {
  if (err === null || typeof err !== 'object') return String(err);
  const { error, error_description: description, message } = err as Record<string, unknown>;
  return [error ?? message, description].filter((part) => typeof part === 'string' && part !== '').join(': ');
}
