import { randomUUID } from 'node:crypto';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Lease, SshTarget } from '../../shared/api/connections.ts';
import type { Principal } from '../../shared/api/identity.ts';
import { sshSettings } from '../../shared/policy/ssh-evaluate.ts';
import { AuditSpool } from '../audit/audit-spool.ts';
import { SpoolShipper } from '../audit/spool-shipper.ts';
import type { Logger } from '../log.ts';
import { defaultSpoolDir } from '../policy/session-policy-factory.ts';
import { createRecorderFactory } from '../recording/recorder-factory.ts';
import { uploadPendingRecordings } from '../recording/upload-spool.ts';
import type { AccessTokenSource, ServerApi } from '../server-client/api-client.ts';
import { ServerEventStream } from '../server-client/event-stream.ts';
import { HostKeyPinError, parsePinnedHostKey } from '../ssh/host-key-pin.ts';
import { defaultSshStateDir, loadOrCreateListenerFiles, publishListener, unpublishListener } from '../ssh/listener-state.ts';
import { ServerSshApprovalGate } from '../ssh/server-ssh-approval-gate.ts';
import { sshCommandLine } from '../ssh/ssh-client-config.ts';
import { SshProxy } from '../ssh/ssh-proxy.ts';
import type { SshUpstreamAuth, SshUpstreamConfig } from '../ssh/upstream-ssh.ts';
import { policyFromLease, renewLease } from './lease-renewal.ts';

export interface ConnectSshOptions {
  serverUrl: string;
  api: ServerApi;
  tokens: AccessTokenSource;
  connection: string;
  /** 0 picks a free port. */
  port: number;
  /** The local audit spool (default: the connection's under $XDG_DATA_HOME/gatehouse/spool). */
  spoolDir?: string;
  /** Where recordings wait for upload (default: $XDG_DATA_HOME/gatehouse/recordings/<connection>). */
  recordingSpoolDir?: string;
  /** Where the listener's keys live (default: $XDG_STATE_HOME/gatehouse/ssh). */
  stateDir?: string;
  /** How often recordings in progress are uploaded. Default 1 s. */
  recordingUploadIntervalMs?: number;
  log: Logger;
}

/** A running `gatehouse connect` for an SSH connection. */
export interface RunningSshConnection {
  /** `127.0.0.1:<port>` */
  listening: string;
  /** A ready-to-run OpenSSH command line that logs in to the listener. */
  sshCommand: string;
  /** The Host alias for ~/.ssh/config (`gatehouse ssh-config`). */
  alias: string;
  /** The listener's client key (OpenSSH private key, mode 0600): what logs in to the listener. */
  identityFile: string;
  /** known_hosts pinning the listener's host key at its current port. */
  knownHostsFile: string;
  /** `ssh-ed25519 AAAA…` of the listener, for an in-process client's host verifier. */
  hostKeyPublic: string;
  /** The user name to log in to the listener as (the upstream account). */
  user: string;
  host: string;
  port: number;
  proxy: SshProxy;
  lease: Lease;
  close(): Promise<void>;
}

export function defaultRecordingSpoolDir(connection: string): string {
  const base = process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share');
  return join(base, 'gatehouse', 'recordings', connection.replace(/[^A-Za-z0-9_.-]/g, '_'));
}

function sshTargetOf(lease: Lease): SshTarget {
  if (lease.kind !== 'ssh' || !('hostKey' in lease.target)) throw new Error(`${lease.connection} is not an SSH connection`);
  return lease.target;
}

function upstreamAuthOf(lease: Lease): SshUpstreamAuth {
  const credential = lease.credential;
  switch (credential.kind) {
    case 'password':
      return { password: credential.password };
    case 'private-key':
      return credential.passphrase === undefined ? { privateKey: credential.privateKeyPem } : { privateKey: credential.privateKeyPem, passphrase: credential.passphrase };
    default:
      return credential satisfies never;
  }
}

function pinOf(lease: Lease, target: SshTarget): SshUpstreamConfig['hostKey'] {
  try {
    return parsePinnedHostKey(target.hostKey);
  } catch (err) {
    if (err instanceof HostKeyPinError) throw new Error(`${lease.connection}: the host key the server pins for ${target.host}:${target.port} cannot be used: ${err.message}`);
    throw err;
  }
}

/**
 * `gatehouse connect` for an SSH connection: leases the credential and the pinned host key from
 * the server (fail closed: no server, no listener), opens a loopback SSH listener under the
 * server's policy, asks the server for exec and session approvals, records every shell and
 * command and uploads the recordings while they run (plus whatever an earlier run left
 * behind), ships the audit spool, and ends a session within a second when an auditor or admin
 * kills it on the server.
 */
export async function connectSsh(o: ConnectSshOptions): Promise<RunningSshConnection> {
  const me: Principal = await o.api.me();
  const brokerSessionId = randomUUID();
  let lease = await o.api.createLease({ connection: o.connection, brokerSessionId });
  const target = sshTargetOf(lease);
  const policy = policyFromLease(lease);
  let policyVersion = lease.policy.version;
  // One object the proxy keeps: a renewed lease swaps the credential (and pin) for new sessions.
  const upstream: SshUpstreamConfig = { host: target.host, port: target.port, username: target.user, hostKey: pinOf(lease, target), auth: upstreamAuthOf(lease) };

  const spoolDir = o.spoolDir ?? defaultSpoolDir(o.connection);
  const recordingSpoolDir = o.recordingSpoolDir ?? defaultRecordingSpoolDir(o.connection);
  const spool = await AuditSpool.open(spoolDir, { durability: policy.audit });
  const shipper = new SpoolShipper({ spoolDir, api: o.api, brokerId: `${hostname()}/${userInfo().username}/${brokerSessionId}`, log: o.log });
  shipper.start();
  // Recordings a killed broker left in the spool go up first; the server being down only delays them.
  void uploadPendingRecordings(recordingSpoolDir, o.api, { log: o.log }).then(
    (result) => {
      if (result.completed.length > 0 || result.pending.length > 0) o.log.info({ completed: result.completed.length, pending: result.pending.length, err: result.error?.message }, 'recordings left by an earlier run');
    },
    (err: unknown) => o.log.warn({ err: (err as Error).message }, 'could not look at the recording spool'),
  );
  const recorders = createRecorderFactory({
    spoolRoot: recordingSpoolDir,
    api: o.api,
    recordInput: sshSettings(policy).recordInput,
    log: o.log,
    ...(o.recordingUploadIntervalMs === undefined ? {} : { uploadIntervalMs: o.recordingUploadIntervalMs }),
    onFailure: (meta, err) => o.log.error({ session: meta.sessionId, channel: meta.channel, err: err.message }, 'recording failed'),
  });

  const events = new ServerEventStream({ baseUrl: o.serverUrl, tokens: o.tokens, onError: (err) => o.log.debug({ err: err.message }, 'event stream') });
  const alias = `gh-${o.connection}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  const files = loadOrCreateListenerFiles(o.stateDir ?? defaultSshStateDir(), alias);
  const proxy = new SshProxy({
    listenHost: '127.0.0.1',
    listenPort: o.port,
    hostKey: files.hostKey,
    credentials: { user: target.user, password: null, publicKey: files.clientPublicKey },
    upstream,
    policy,
    connection: o.connection,
    actor: { user: me.name, kind: me.machine ? 'machine' : 'human', localUser: userInfo().username },
    spool,
    approvals: new ServerSshApprovalGate(o.api, events, { brokerSessionId, policyVersion: () => policyVersion }),
    recorders,
    log: o.log,
  });

  events.on('session.kill', (e) => {
    if (proxy.kill(e.sessionId, `${e.reason} (by ${e.by})`)) o.log.warn({ session: e.sessionId, by: e.by, reason: e.reason }, 'session killed from the server');
  });
  const stopRenewing = renewLease({
    api: o.api,
    events,
    connection: o.connection,
    brokerSessionId,
    lease,
    log: o.log,
    apply: (fresh, why) => {
      const freshTarget = sshTargetOf(fresh);
      if (freshTarget.host !== target.host || freshTarget.port !== target.port || freshTarget.user !== target.user) {
        o.log.warn({ connection: o.connection }, 'the server moved this connection to another host or account; restart gatehouse connect to follow it');
        return;
      }
      const freshPolicy = policyFromLease(fresh);
      upstream.hostKey = pinOf(fresh, freshTarget);
      upstream.auth = upstreamAuthOf(fresh);
      if (fresh.policy.version !== policyVersion) {
        proxy.updatePolicy(freshPolicy);
        policyVersion = fresh.policy.version;
        o.log.info({ connection: o.connection, version: policyVersion, why }, 'now enforcing the new policy version');
      }
      lease = fresh;
    },
  });

  let address: { host: string; port: number };
  try {
    address = await proxy.listen();
  } catch (err) {
    stopRenewing();
    await recorders.stop();
    shipper.stop();
    await spool.close();
    throw err;
  }
  events.start();
  const record = publishListener(files, { alias, host: address.host, port: address.port, user: target.user });
  o.log.info({ connection: o.connection, listening: `${address.host}:${address.port}`, to: `${target.host}:${target.port}`, hostKey: upstream.hostKey.fingerprint, policyVersion }, 'ssh listener ready');
  return {
    listening: `${address.host}:${address.port}`,
    sshCommand: sshCommandLine(record),
    alias,
    identityFile: files.identityFile,
    knownHostsFile: files.knownHostsFile,
    hostKeyPublic: files.hostKeyPublic,
    user: target.user,
    host: address.host,
    port: address.port,
    proxy,
    get lease() {
      return lease;
    },
    close: async () => {
      stopRenewing();
      unpublishListener(files);
      await proxy.close();
      await events.close();
      // Sessions just ended: send their recordings' last chunks before going.
      await recorders.flush().catch(() => undefined);
      await recorders.stop();
      await shipper.flush().catch(() => undefined);
      shipper.stop();
      await spool.close();
    },
  };
}
