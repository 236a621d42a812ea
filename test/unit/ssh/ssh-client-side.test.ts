import { describe, expect, it } from 'vitest';
import { fingerprintOf, HostKeyPinError, hostKeyAlgorithmsFor, parsePinnedHostKey } from '../../../broker/ssh/host-key-pin.ts';
import { generateListenerKeys } from '../../../broker/ssh/listener-keys.ts';
import { knownHostsLine, sshCommandLine, sshConfigEntry } from '../../../broker/ssh/ssh-client-config.ts';
import { parseSshTarget } from '../../../broker/cli/ssh-proxy-command.ts';

const keys = generateListenerKeys('unit');

describe('parsePinnedHostKey', () => {
  it('reads a .pub line or a known_hosts line to the same key', () => {
    const fromPub = parsePinnedHostKey(`${keys.hostKeyPublic} root@web-1`);
    const fromKnownHosts = parsePinnedHostKey(`[web-1]:2222 ${keys.hostKeyPublic}`);
    expect(fromPub.type).toBe('ssh-ed25519');
    expect(fromKnownHosts.blob.equals(fromPub.blob)).toBe(true);
    expect(fromPub.fingerprint).toBe(fingerprintOf(fromPub.blob));
    expect(fromPub.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('refuses anything that is not a key', () => {
    expect(() => parsePinnedHostKey('')).toThrow(HostKeyPinError);
    expect(() => parsePinnedHostKey('ssh-ed25519 AAAAnotbase64!!')).toThrow(HostKeyPinError);
    expect(() => parsePinnedHostKey('SHA256:abcdef')).toThrow(HostKeyPinError);
  });

  it('offers only the pinned key type', () => {
    expect(hostKeyAlgorithmsFor('ssh-ed25519')).toEqual(['ssh-ed25519']);
    expect(hostKeyAlgorithmsFor('ssh-rsa')).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });
});

describe('client configuration', () => {
  const access = {
    alias: 'gh-web-1',
    host: '127.0.0.1',
    port: 40123,
    user: 'deploy',
    identityFile: '/home/a/.local/state/gatehouse/ssh/gh-web-1/client_key',
    knownHostsFile: '/home/a/my keys/known_hosts',
    hostKeyPublic: keys.hostKeyPublic,
  };

  it('writes known_hosts lines the way OpenSSH looks them up', () => {
    expect(knownHostsLine('127.0.0.1', 40123, keys.hostKeyPublic)).toBe(`[127.0.0.1]:40123 ${keys.hostKeyPublic}`);
    expect(knownHostsLine('127.0.0.1', 22, keys.hostKeyPublic)).toBe(`127.0.0.1 ${keys.hostKeyPublic}`);
  });

  it('prints a command line and a config entry that pin the listener', () => {
    expect(sshCommandLine(access)).toBe(
      "ssh -p 40123 -i /home/a/.local/state/gatehouse/ssh/gh-web-1/client_key -o IdentitiesOnly=yes -o 'UserKnownHostsFile=/home/a/my keys/known_hosts' -o StrictHostKeyChecking=yes deploy@127.0.0.1",
    );
    expect(sshConfigEntry(access)).toBe(
      [
        'Host gh-web-1',
        '  HostName 127.0.0.1',
        '  Port 40123',
        '  User deploy',
        '  IdentityFile /home/a/.local/state/gatehouse/ssh/gh-web-1/client_key',
        '  IdentitiesOnly yes',
        '  UserKnownHostsFile "/home/a/my keys/known_hosts"',
        '  StrictHostKeyChecking yes',
        '  ForwardAgent no',
        '',
      ].join('\n'),
    );
  });

  it('parses --upstream targets', () => {
    expect(parseSshTarget('deploy@web-1')).toEqual({ username: 'deploy', host: 'web-1', port: 22 });
    expect(parseSshTarget('deploy@10.0.0.5:2222')).toEqual({ username: 'deploy', host: '10.0.0.5', port: 2222 });
    expect(parseSshTarget('deploy@[::1]:2222')).toEqual({ username: 'deploy', host: '::1', port: 2222 });
    expect(() => parseSshTarget('web-1:22')).toThrow(/user@host/);
    expect(() => parseSshTarget('a@b:70000')).toThrow(/out of range/);
  });
});
