import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from './app.ts';
import { createTokenVerifier } from './auth/token-verifier.ts';
import { describeConfig } from './config/server-config.ts';
import type { ServerConfig } from './config/server-config.ts';
import type { GatehouseApp, VerifyToken } from './http/app-types.ts';
import { createServerLogger } from './http/logger.ts';
import type { Logger } from './http/logger.ts';
import type { Database } from './store/database.ts';
import type * as DevIdpModuleNs from './dev-idp/dev-idp.ts';
import { migrate } from './store/migrate.ts';
import { openDatabase } from './store/open-database.ts';

export interface StartServerOptions {
  /** Default: JSON lines on stderr at `config.logLevel`. */
  log?: Logger;
  /** An already open database (left open by close()). Default: the one `config` names. */
  db?: Database;
  /** Default: OIDC access tokens of `config.idp` (or of the dev IdP), checked against the issuer's JWKS. */
  verifyToken?: VerifyToken;
}

export interface DevIdpInfo {
  issuer: string;
  clientId: string;
  /** DEVELOPMENT ONLY: the client-credentials client agents and scripts use; its secret changes each start. */
  machineClient: { clientId: string; clientSecret: string };
}

export interface RunningServer {
  /** http(s)://host:port as listened on (the port resolved when 0 was asked). */
  url: string;
  /** The config in effect: with the dev IdP, `idp.issuer` and `idp.clientId` are the dev IdP's. */
  config: ServerConfig;
  app: GatehouseApp;
  db: Database;
  devIdp: DevIdpInfo | null;
  /** Stops accepting, finishes requests in flight, then closes the dev IdP and the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the store, brings its schema up to date, starts the dev IdP when asked, and listens.
 * Anything opened is closed again if a later step fails.
 */
export async function startServer(config: ServerConfig, opts: StartServerOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? createServerLogger({ level: config.logLevel });
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse().splice(0)) {
      try {
        await cleanup();
      } catch (e) {
        log.warn({ err: e }, 'error while shutting down');
      }
    }
  };
  try {
    const db = opts.db ?? (await openDatabase(config, log));
    if (opts.db === undefined) cleanups.push(() => db.close());
    const applied = await migrate(db);
    log.info({ applied, backend: db.kind }, applied.length > 0 ? 'database migrations applied' : 'database schema is current');

    let effective = config;
    let devIdp: DevIdpInfo | null = null;
    if (config.devIdp) {
      const started = await startBundledDevIdp(config, log);
      cleanups.push(() => started.close());
      devIdp = { issuer: started.issuer, clientId: started.clientId, machineClient: started.machineClient };
      effective = { ...config, idp: { ...config.idp, issuer: started.issuer, clientId: started.clientId } };
    }

    let verifyToken = opts.verifyToken;
    if (verifyToken === undefined) {
      const issuer = effective.idp.issuer;
      if (issuer === null) throw new Error('no IdP issuer: configure idp.issuer or --dev-idp');
      const verifier = createTokenVerifier({
        issuer,
        audience: effective.idp.audience,
        groupsClaim: effective.idp.groupsClaim,
        roleMapping: effective.roles,
      });
      cleanups.push(() => verifier.close());
      verifyToken = (token) => verifier.verify(token);
    }

    const app = await buildApp({ config: effective, db, log, verifyToken });
    cleanups.push(() => app.close());
    await app.listen({ host: effective.listen.host, port: effective.listen.port });
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `${effective.tls === null ? 'http' : 'https'}://${host}:${address.port}`;
    log.info({ url, ...describeConfig(effective) }, 'gatehouse server ready');

    let closing: Promise<void> | null = null;
    return {
      url,
      config: effective,
      app,
      db,
      devIdp,
      close: () => (closing ??= cleanUp()),
    };
  } catch (e) {
    await cleanUp();
    throw e;
  }
}

type DevIdpModule = typeof DevIdpModuleNs;

/** Loaded only when asked for, so a production start never loads the development IdP. */
async function startBundledDevIdp(config: ServerConfig, log: Logger): Promise<DevIdpInfo & { close(): Promise<void> }> {
  let mod: DevIdpModule;
  try {
    mod = await import('./dev-idp/dev-idp.ts');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error('--dev-idp: this build has no dev IdP (server/dev-idp/dev-idp.ts is missing)', { cause: e });
    }
    throw e;
  }
  log.warn('DEV IdP: starting the development identity provider; its passwords are public. Never expose it or use it for real people.');
  // The issuer URL carries the port, and tokens name their issuer: keep the port across restarts
  // so people stay signed in, and take a free one only when the remembered one is taken.
  const portFile = join(config.dataDir, 'dev-idp-port');
  let remembered = 0;
  try {
    remembered = Number(readFileSync(portFile, 'utf8').trim()) || 0;
  } catch {
    remembered = 0;
  }
  const start = (port: number): ReturnType<DevIdpModule['startDevIdp']> =>
    mod.startDevIdp({ host: config.listen.host, port, audience: config.idp.audience, keyFile: join(config.dataDir, 'dev-idp-signing-key.json'), logger: log });
  let idp: Awaited<ReturnType<DevIdpModule['startDevIdp']>>;
  try {
    idp = await start(remembered);
  } catch (e) {
    if (remembered === 0 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    log.warn({ port: remembered }, 'DEV IdP: its previous port is taken; signed-in users must sign in again');
    idp = await start(0);
  }
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(portFile, `${new URL(idp.issuer).port}\n`, { mode: 0o600 });
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'DEV IdP: could not remember its port');
  }
  return idp;
}
