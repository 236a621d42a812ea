import type { Command } from 'commander';
import { signInToServer } from '../auth/sign-in.ts';
import { NotSignedInError, TokenSession } from '../auth/session-tokens.ts';
import { defaultCliContext, resolveServerUrl, tokenStoreFor, writeJson, type CliContext } from './server-context.ts';
import { terminalSafe } from './format-table.ts';

interface LoginFlags {
  server?: string;
  browser: boolean;
  timeout: string;
  json?: boolean;
}

/** `gatehouse login` and `gatehouse logout`. */
export function registerLoginCommands(program: Command, ctx: CliContext = defaultCliContext()): void {
  program
    .command('login')
    .description('sign in to a Gatehouse server through your browser (OIDC); the tokens are kept in your user data directory')
    .option('--server <url>', 'the Gatehouse server (default: GATEHOUSE_SERVER, else the last server signed in to)')
    .option('--no-browser', 'do not open a browser; print the sign-in address instead')
    .option('--timeout <seconds>', 'how long to wait for the sign-in to finish', '300')
    .option('--json', 'print who signed in as JSON')
    .action(async (flags: LoginFlags) => {
      const serverUrl = await resolveServerUrl(ctx, flags.server);
      const timeoutSeconds = Number(flags.timeout);
      if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new Error(`--timeout must be a positive number of seconds (got "${flags.timeout}")`);
      const { principal } = await signInToServer({
        serverUrl,
        store: tokenStoreFor(ctx),
        noBrowser: !flags.browser,
        timeoutMs: timeoutSeconds * 1000,
        print: (line) => void ctx.err.write(`${line}\n`),
        env: ctx.env,
        ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
        ...(ctx.openBrowser === undefined ? {} : { openBrowser: ctx.openBrowser }),
      });
      if (flags.json === true) {
        writeJson(ctx, { server: serverUrl, principal });
        return;
      }
      const roles = principal.roles.length === 0 ? 'no Gatehouse role' : principal.roles.join(', ');
      ctx.out.write(`Signed in to ${serverUrl} as ${terminalSafe(principal.name)} (${roles}).\n`);
    });

  program
    .command('logout')
    .description('sign out: revoke the tokens at the identity provider where it allows, and delete them from this machine')
    .option('--server <url>', 'the Gatehouse server (default: GATEHOUSE_SERVER, else the last server signed in to)')
    .action(async (flags: { server?: string }) => {
      const serverUrl = await resolveServerUrl(ctx, flags.server);
      let session: TokenSession;
      try {
        session = await TokenSession.forStoredLogin({ serverUrl, store: tokenStoreFor(ctx) });
      } catch (err) {
        if (!(err instanceof NotSignedInError)) throw err;
        ctx.out.write(`Not signed in to ${serverUrl}.\n`);
        return;
      }
      const result = await session.signOut();
      const how = result.revoked
        ? 'the tokens were revoked at the identity provider'
        : result.error !== undefined
          ? `the identity provider could not revoke the tokens (${terminalSafe(result.error)}); they were deleted from this machine`
          : 'the identity provider does not support revocation; the tokens were deleted from this machine';
      ctx.out.write(`Signed out of ${serverUrl}: ${how}.\n`);
    });
}
