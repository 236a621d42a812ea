import { TokenSession } from '../auth/session-tokens.ts';
import { TokenStore, defaultTokenStorePath, normalizeServerUrl } from '../auth/token-store.ts';
import { ServerApi } from '../server-client/api-client.ts';

/** What the server-facing commands need from the outside world; tests pass their own. */
export interface CliContext {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Opens the sign-in page; default: the system browser. */
  openBrowser?: (url: string) => Promise<boolean>;
  /** For outcomes a script must notice that are not errors (a broken audit chain). */
  setExitCode: (code: number) => void;
}

export function defaultCliContext(): CliContext {
  return {
    out: process.stdout,
    err: process.stderr,
    env: process.env,
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}

export function tokenStoreFor(ctx: CliContext): TokenStore {
  return new TokenStore(defaultTokenStorePath(ctx.env));
}

/** `--server`, else GATEHOUSE_SERVER, else the server of the last `gatehouse login`. */
export async function resolveServerUrl(ctx: CliContext, flag: string | undefined): Promise<string> {
  const chosen = flag ?? nonEmpty(ctx.env['GATEHOUSE_SERVER']) ?? (await tokenStoreFor(ctx).defaultServer());
  if (chosen === undefined) {
    throw new Error('no Gatehouse server given: pass --server URL, set GATEHOUSE_SERVER, or run `gatehouse login --server URL` once');
  }
  return normalizeServerUrl(chosen);
}

/** A client for the chosen server, signed in as the stored user or, with GATEHOUSE_CLIENT_ID/SECRET, as a machine. */
export async function openServerApi(ctx: CliContext, serverFlag: string | undefined): Promise<ServerApi> {
  const serverUrl = await resolveServerUrl(ctx, serverFlag);
  const fetchOption = ctx.fetch === undefined ? {} : { fetch: ctx.fetch };
  const session = await TokenSession.fromEnvironment(serverUrl, { env: ctx.env, store: tokenStoreFor(ctx), ...fetchOption });
  return new ServerApi(serverUrl, session, fetchOption);
}

export function writeJson(ctx: CliContext, value: unknown): void {
  ctx.out.write(`${JSON.stringify(value, null, 2)}\n`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
