import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { TokenStore } from '../../broker/auth/token-store.ts';
import { authConfigSchema } from '../../shared/api/identity.ts';
import type { AuthConfig } from '../../shared/api/identity.ts';
import { loginWithPassword } from './dev-idp.ts';
import type { TokenSet } from './dev-idp.ts';

/**
 * One dev IdP user as the `gatehouse` CLI sees them: a GATEHOUSE_HOME of their own whose
 * tokens.json holds a real sign-in (authorization code + PKCE against the dev IdP), exactly
 * what `gatehouse login` would have stored, so CLI children run as that person.
 */
export interface GatehouseUser {
  name: string;
  /** The GATEHOUSE_HOME directory; tokens.json inside it is 0600. */
  home: string;
  tokens: TokenSet;
  /** Environment for a CLI child: GATEHOUSE_HOME and GATEHOUSE_SERVER set, machine credentials cleared. */
  env: NodeJS.ProcessEnv;
  /** Signs in again (e.g. after the server restarted with a new dev IdP) and replaces the stored login. */
  relogin(serverUrl?: string): Promise<TokenSet>;
  remove(): Promise<void>;
}

export async function fetchAuthConfig(serverUrl: string): Promise<AuthConfig> {
  const response = await fetch(`${serverUrl}/v1/auth/config`);
  if (!response.ok) throw new Error(`GET /v1/auth/config answered ${response.status}`);
  return authConfigSchema.parse(await response.json());
}

async function storeLogin(home: string, serverUrl: string, name: string): Promise<TokenSet> {
  const authConfig = await fetchAuthConfig(serverUrl);
  const tokens = await loginWithPassword(authConfig.issuer, name, `${name}-password`);
  const claims = decodeJwt(tokens.accessToken);
  await new TokenStore(join(home, 'tokens.json')).put({
    serverUrl,
    authConfig,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    idToken: tokens.idToken,
    ...(claims.exp === undefined ? {} : { expiresAt: claims.exp * 1000 }),
    subject: claims.sub,
    name,
    savedAt: new Date().toISOString(),
  });
  return tokens;
}

/** Signs `name` in to the server's dev IdP (password `<name>-password`) into a fresh GATEHOUSE_HOME. */
export async function signInUser(serverUrl: string, name: string): Promise<GatehouseUser> {
  const home = await mkdtemp(join(tmpdir(), `gatehouse-home-${name}-`));
  let server = serverUrl;
  const user: GatehouseUser = {
    name,
    home,
    tokens: await storeLogin(home, server, name),
    env: { GATEHOUSE_HOME: home, GATEHOUSE_SERVER: server, GATEHOUSE_CLIENT_ID: '', GATEHOUSE_CLIENT_SECRET: '' },
    relogin: async (newServerUrl) => {
      server = newServerUrl ?? server;
      user.tokens = await storeLogin(home, server, name);
      user.env = { ...user.env, GATEHOUSE_SERVER: server };
      return user.tokens;
    },
    remove: () => rm(home, { recursive: true, force: true }),
  };
  return user;
}
