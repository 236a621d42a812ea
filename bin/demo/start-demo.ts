import { existsSync, readdirSync } from 'node:fs';
import { startDemoApp } from './demo-app.ts';
import type { DemoAppKind } from './demo-app.ts';
import { ensureDemoConnections } from './demo-connections.ts';
import type { DemoConnectionsOutcome } from './demo-connections.ts';
import { startChosenDemoDatabase } from './demo-database-choice.ts';
import { seedDemoDatabase } from './demo-database-seed.ts';
import { demoUserGuides, renderDemoSummary } from './demo-guide.ts';
import type { DemoUserGuide } from './demo-guide.ts';
import { rememberUiPid, stopDemoLeftovers } from './demo-leftovers.ts';
import { lockDemoDataDir } from './demo-lock.ts';
import type { DemoPostgresTarget } from './demo-postgres-target.ts';
import { gatehouseRoot } from './demo-repo-root.ts';
import { startDemoServer } from './demo-server.ts';
import { signInDemoUser } from './demo-sign-in.ts';
import { startDemoSsh } from './demo-ssh.ts';
import type { DemoSshMode } from './demo-ssh.ts';
import { prepareDemoDataDir, readDemoState, resetDemoData, resolveDemoDataDir, writeDemoState } from './demo-state.ts';

/**
 * `gatehouse demo` as a function, so end-to-end tests start exactly what a newcomer starts:
 * the server (embedded store, dev IdP), the demo PostgreSQL with its shop data, the demo SSH
 * target, the two demo connections created through the API as dave, and the app.
 */

export interface DemoOptions {
  /** Default `$XDG_DATA_HOME/gatehouse/demo`. */
  dataDir?: string;
  /** Delete the data dir (and a cluster kept outside it) first. */
  reset?: boolean;
  /** false: open no window or browser (the UI still starts, unless `app` is false). Default true. */
  open?: boolean;
  /** false: start no app at all. Default true. */
  app?: boolean;
  /** Which SSH target; default 'auto' (sshd when usable). */
  ssh?: 'auto' | DemoSshMode;
  /** Which PostgreSQL target; default 'auto' (a real cluster when PostgreSQL is installed, else embedded PGlite). */
  postgres?: DemoPostgresTarget;
  /** The server's log level (its log goes to `<data dir>/server.log`). Default info. */
  logLevel?: string;
  /** Progress lines while starting. */
  onProgress?: (line: string) => void;
}

export interface RunningDemo {
  dataDir: string;
  serverUrl: string;
  devIdpIssuer: string;
  uiUrl: string | null;
  app: { kind: DemoAppKind; note: string; pid: number | null };
  postgres: {
    /** cluster: a real PostgreSQL server; pglite: embedded PGlite served over the wire by this process. */
    kind: 'cluster' | 'pglite';
    host: string;
    port: number;
    database: string;
    /** The role the demo connection leases (its password is never handed out). */
    user: string;
    description: string;
    /** Where the database files are. */
    clusterDir: string;
    /** The postmaster; null for PGlite, which this process serves. */
    pid: number | null;
    /** true: the shop data was loaded on this start (first run, or after --reset). */
    loaded: boolean;
    customers: number;
    orders: number;
  };
  ssh: { mode: DemoSshMode; host: string; port: number; user: string; hostKey: string; privateKeyFile: string; pid: number | null; note: string };
  connections: DemoConnectionsOutcome;
  users: DemoUserGuide[];
  /** The text `gatehouse demo` prints: addresses, and who to sign in as. */
  summary: string;
  /** Stops the app, the server, the SSH target and the database, in that order. Idempotent. */
  stop(): Promise<void>;
}

/** Refuses to delete a directory that holds something other than a demo. */
function checkResettable(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  const entries = readdirSync(dataDir);
  if (entries.length > 0 && !entries.includes('demo-state.json') && !entries.includes('server')) {
    throw new Error(`--reset: ${dataDir} does not look like a Gatehouse demo data dir; not deleting it`);
  }
}

function valueOf<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}

async function stopAll(stoppers: Array<() => Promise<void>>): Promise<void> {
  for (const stop of stoppers.reverse().splice(0)) {
    try {
      await stop();
    } catch (e) {
      process.stderr.write(`gatehouse demo: while stopping: ${(e as Error).message}\n`);
    }
  }
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const progress = options.onProgress ?? (() => undefined);
  const dataDir = resolveDemoDataDir(options.dataDir);
  if (options.reset === true) {
    checkResettable(dataDir);
    progress(`Deleting the demo data in ${dataDir} (--reset)…`);
    await resetDemoData(dataDir);
  }
  await prepareDemoDataDir(dataDir);
  const stoppers: Array<() => Promise<void>> = [await lockDemoDataDir(dataDir)];
  try {
    const state = await readDemoState(dataDir);
    for (const leftover of await stopDemoLeftovers(dataDir, state.postgres?.clusterDir)) progress(`Stopped ${leftover}, left running by an earlier demo that was killed`);
    progress('Starting the demo PostgreSQL, the demo SSH target and the server…');
    const [postgresStart, sshStart, serverStart] = await Promise.allSettled([
      startChosenDemoDatabase(dataDir, state, options.postgres ?? 'auto'),
      startDemoSsh(dataDir, { prefer: options.ssh ?? 'auto', rememberedPort: state.ports.ssh }),
      startDemoServer(dataDir, state.ports.server, options.logLevel ?? 'info'),
    ]);
    // Whatever did start is stopped again if anything else failed.
    if (postgresStart.status === 'fulfilled') stoppers.push(postgresStart.value.database.stop);
    if (sshStart.status === 'fulfilled') stoppers.push(sshStart.value.stop);
    if (serverStart.status === 'fulfilled') stoppers.push(serverStart.value.stop);
    const { database: postgres, fallbackReason } = valueOf(postgresStart);
    if (fallbackReason !== null) progress(`Using embedded PGlite for the demo database: ${fallbackReason}`);
    const ssh = valueOf(sshStart);
    const server = valueOf(serverStart);
    state.ports = { ...state.ports, server: server.port, postgres: postgres.port, ssh: ssh.port };
    await writeDemoState(dataDir, state);

    progress('Loading the demo shop data (first start only)…');
    const seeded = await seedDemoDatabase(postgres);

    progress('Creating the demo connections as dave (admin)…');
    const dave = await signInDemoUser(server.url, 'dave');
    const connections = await ensureDemoConnections(server.url, dave.accessToken, {
      postgres: {
        host: postgres.host,
        port: postgres.port,
        database: postgres.database,
        user: postgres.user,
        password: postgres.password,
        sslmode: postgres.sslmode,
        caPem: postgres.caPem,
      },
      ssh: { host: ssh.host, port: ssh.port, user: ssh.user, hostKey: ssh.hostKey, privateKeyPem: ssh.privateKeyPem },
    });

    let app: { kind: DemoAppKind; url: string | null; note: string; pid: number | null } = { kind: 'none', url: null, note: 'no app (not asked for)', pid: null };
    if (options.app !== false) {
      progress('Starting the app…');
      const started = await startDemoApp({
        serverUrl: server.url,
        dataDir,
        repoRoot: gatehouseRoot(),
        open: options.open !== false,
        ...(state.ports.ui === undefined ? {} : { rememberedUiPort: state.ports.ui }),
      });
      stoppers.push(async () => {
        await started.stop();
        await rememberUiPid(dataDir, null);
      });
      if (started.kind === 'browser') await rememberUiPid(dataDir, started.pid);
      app = started;
      if (started.port !== null) {
        state.ports.ui = started.port;
        await writeDemoState(dataDir, state);
      }
    }

    const users = demoUserGuides();
    const retired = Object.entries(connections).filter(([, outcome]) => outcome === 'retired');
    const summary = renderDemoSummary({
      dataDir,
      serverUrl: server.url,
      devIdpIssuer: server.devIdpIssuer,
      uiUrl: app.url,
      appNote: app.note,
      postgresNote:
        `${postgres.host}:${postgres.port}/${postgres.database}, ${seeded.customers} customers and ${seeded.orders} orders${seeded.loaded ? ' (just loaded)' : ''}; ` +
        (postgres.pid === null ? postgres.description : `${postgres.description}, PID ${postgres.pid}`) +
        (fallbackReason === null ? '' : ' (no usable PostgreSQL installation here)'),
      sshNote: `${ssh.user}@${ssh.host}:${ssh.port}; ${ssh.note}`,
      connectionsNote:
        Object.entries(connections)
          .map(([name, outcome]) => `${name} (${outcome})`)
          .join(', ') + (retired.length > 0 ? ' — a retired name cannot be created again: use --reset for a clean demo' : ''),
      users,
    });

    let stopping: Promise<void> | undefined;
    return {
      dataDir,
      serverUrl: server.url,
      devIdpIssuer: server.devIdpIssuer,
      uiUrl: app.url,
      app: { kind: app.kind, note: app.note, pid: app.pid },
      postgres: {
        kind: postgres.kind,
        host: postgres.host,
        port: postgres.port,
        database: postgres.database,
        user: postgres.user,
        description: postgres.description,
        clusterDir: postgres.clusterDir,
        pid: postgres.pid,
        loaded: seeded.loaded,
        customers: seeded.customers,
        orders: seeded.orders,
      },
      ssh: { mode: ssh.mode, host: ssh.host, port: ssh.port, user: ssh.user, hostKey: ssh.hostKey, privateKeyFile: ssh.privateKeyFile, pid: ssh.pid, note: ssh.note },
      connections,
      users,
      summary,
      stop: () => (stopping ??= stopAll(stoppers)),
    };
  } catch (e) {
    await stopAll(stoppers);
    throw e;
  }
}
