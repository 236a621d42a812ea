import { join } from 'node:path';
import pino from 'pino';
import { loadServerConfig } from '../../server/config/load-config.ts';
import { createServerLogger } from '../../server/http/logger.ts';
import { startServer } from '../../server/start-server.ts';
import type { RunningServer } from '../../server/start-server.ts';
import { choosePort, DEMO_HOST } from './demo-ports.ts';

/**
 * The policy server of the demo, in this process: embedded PGlite store and the dev IdP, both
 * under `<data dir>/server`, so users, connections, approvals, audit and recordings survive a
 * restart. Deliberately deaf to GATEHOUSE_* variables: the demo must not wander onto a real
 * database or IdP configured in the shell it was started from.
 */

export interface DemoServer {
  url: string;
  port: number;
  devIdpIssuer: string;
  logFile: string;
  running: RunningServer;
  stop(): Promise<void>;
}

function isAddressInUse(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

export async function startDemoServer(dataDir: string, rememberedPort: number | undefined, logLevel = 'info'): Promise<DemoServer> {
  const serverDir = join(dataDir, 'server');
  const logFile = join(dataDir, 'server.log');
  const log = createServerLogger({ level: logLevel, destination: pino.destination({ dest: logFile, mkdir: true, sync: false }) });
  const start = async (port: number): Promise<RunningServer> => {
    const { config, warnings } = await loadServerConfig({
      env: {},
      flags: { devIdp: true, listen: `${DEMO_HOST}:${port}`, dataDir: serverDir, logLevel },
      defaultDataDir: serverDir,
    });
    for (const warning of warnings) log.warn(warning);
    return startServer(config, { log });
  };
  let running: RunningServer;
  try {
    running = await start(await choosePort(rememberedPort));
  } catch (e) {
    // Taken between the probe and the listen.
    if (!isAddressInUse(e)) throw e;
    running = await start(0);
  }
  const issuer = running.devIdp?.issuer;
  if (issuer === undefined) throw new Error('the demo server started without its dev IdP');
  return {
    url: running.url,
    port: Number(new URL(running.url).port),
    devIdpIssuer: issuer,
    logFile,
    running,
    stop: async () => {
      await running.close();
      try {
        log.flush();
      } catch {
        // The log file was never opened (nothing was logged): nothing to flush.
      }
    },
  };
}
