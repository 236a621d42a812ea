import { describe, expect, it } from 'vitest';
import { PolicyDocument } from '../../../shared/policy/policy-document.ts';
import type { PolicyDocumentInput } from '../../../shared/policy/policy-document.ts';
import { evaluateSshExec, sshEnvAllowed } from '../../../shared/policy/ssh-evaluate.ts';
import { commandGlobMatches } from '../../../shared/policy/ssh-command-glob.ts';
import { splitCommandLine, transferOf } from '../../../shared/policy/ssh-command-line.ts';

function policy(ssh: PolicyDocumentInput['ssh']): PolicyDocument {
  return PolicyDocument.parse({ version: 1, connection: 'web-1', default: 'block', ssh });
}

const rules = policy({
  exec: [
    { name: 'no-rm-rf', match: ['rm -rf *', 'rm -fr *'], action: 'block', message: 'ask the storage team' },
    { name: 'restarts', match: 'systemctl restart *', action: 'approve', approvers: ['ops'] },
    { name: 'read-only', match: ['ls*', 'cat *', 'echo *', 'uptime'], action: 'allow' },
  ],
  exec_default: 'block',
});

describe('commandGlobMatches', () => {
  it('matches * across spaces and slashes, literally and case-sensitively otherwise', () => {
    expect(commandGlobMatches('rm -rf *', 'rm -rf /var/lib/x y')).toBe(true);
    expect(commandGlobMatches('rm -rf *', 'RM -rf /')).toBe(false);
    expect(commandGlobMatches('*.sh', 'deploy.sh')).toBe(true);
    expect(commandGlobMatches('uptime', 'uptime -p')).toBe(false);
    expect(commandGlobMatches('a*b*c', 'a'.repeat(5000))).toBe(false);
  });
});

describe('splitCommandLine', () => {
  it('splits lists, pipelines and substitutions into simple commands', () => {
    const texts = (line: string): string[] => splitCommandLine(line).map((s) => s.text);
    expect(texts('ls -l; rm -rf / && echo ok || true | cat &')).toEqual(['ls -l', 'rm -rf /', 'echo ok', 'true', 'cat']);
    expect(texts('echo $(rm -rf /tmp/x) `id`')).toEqual(['rm -rf /tmp/x', 'id', 'echo $(rm -rf /tmp/x) `id`']);
    expect(texts('echo "$(whoami)"; echo \'$(not run)\'')).toEqual(['whoami', 'echo "$(whoami)"', "echo '$(not run)'"]);
    expect(texts('if rm  -rf /x; then echo; fi')).toEqual(['rm -rf /x', 'echo']);
    expect(texts('(cd /tmp && rm -rf x)')).toEqual(['cd /tmp', 'rm -rf x']);
  });

  it('reduces a command to its program and arguments', () => {
    const cores = (line: string): string[] => splitCommandLine(line).map((s) => s.core);
    expect(cores('sudo -u root /bin/rm -rf "/var/lib"')).toEqual(['rm -rf /var/lib']);
    expect(cores('FOO=1 env -i BAR=2 nice -n 5 nohup rm -rf x')).toEqual(['rm -rf x']);
    expect(cores('timeout 5 scp -t /tmp')).toEqual(['scp -t /tmp']);
    expect(cores("r\\m -rf 'a b'")).toEqual(['rm -rf a b']);
  });

  it('marks redirections without splitting on 2>&1', () => {
    const [segment] = splitCommandLine('ls -l 2>&1');
    expect(segment).toMatchObject({ text: 'ls -l 2 >& 1', redirects: true });
    expect(splitCommandLine('ls > /etc/passwd')[0]?.redirects).toBe(true);
    expect(splitCommandLine('ls -l')[0]?.redirects).toBe(false);
  });

  it('recognises file transfers run as commands', () => {
    expect(transferOf(splitCommandLine('scp -t /tmp/x'))).toEqual({ protocol: 'scp', direction: 'upload', path: '/tmp/x' });
    expect(transferOf(splitCommandLine('scp -r -f -- /etc'))).toEqual({ protocol: 'scp', direction: 'download', path: '/etc' });
    expect(transferOf(splitCommandLine('rsync --server --sender -logDtpre.iLsfxC . /srv/data'))).toEqual({ protocol: 'rsync', direction: 'download', path: '/srv/data' });
    expect(transferOf(splitCommandLine('echo hi; /usr/lib/openssh/sftp-server'))).toEqual({ protocol: 'sftp', direction: 'unknown', path: '' });
    expect(transferOf(splitCommandLine('echo scp -t'))).toBeNull();
  });
});

describe('evaluateSshExec', () => {
  it('takes the first matching rule', () => {
    expect(evaluateSshExec(rules, 'rm -rf /srv')).toMatchObject({ action: 'block', ruleName: 'no-rm-rf', message: 'blocked by rule "no-rm-rf": ask the storage team' });
    expect(evaluateSshExec(rules, 'systemctl restart nginx')).toMatchObject({ action: 'approve', ruleName: 'restarts', approvers: ['ops'] });
    expect(evaluateSshExec(rules, 'ls -la /srv')).toMatchObject({ action: 'allow', ruleName: 'read-only' });
    expect(evaluateSshExec(rules, 'uptime')).toMatchObject({ action: 'allow', ruleName: 'read-only' });
  });

  it('falls back to exec_default', () => {
    expect(evaluateSshExec(rules, 'make install')).toMatchObject({ action: 'block', ruleName: null, message: 'blocked by the exec default (no rule matched)' });
    const open = policy({});
    expect(evaluateSshExec(open, 'make install')).toMatchObject({ action: 'allow', ruleName: null });
    const approving = policy({ exec_default: 'approve', exec_default_approval: { approvers: ['ops'], message: 'say why' } });
    expect(evaluateSshExec(approving, 'make install')).toMatchObject({ action: 'approve', approvers: ['ops'], message: 'approval required by the exec default (no rule matched): say why' });
  });

  it('blocks a command hidden behind a list, a substitution, a wrapper or a path', () => {
    for (const line of ['echo hi; rm -rf /', 'echo $(rm -rf /)', 'sudo rm -rf /', '/bin/rm -rf /', 'X=1 rm  -rf /', 'ls `rm -fr /`']) {
      expect(evaluateSshExec(rules, line), line).toMatchObject({ action: 'block', ruleName: 'no-rm-rf' });
    }
  });

  it('lets an allow rule through only when every command matches and none redirects', () => {
    expect(evaluateSshExec(rules, 'ls /srv | cat -n')).toMatchObject({ action: 'allow' });
    expect(evaluateSshExec(rules, 'ls; make install')).toMatchObject({ action: 'block', ruleName: null });
    expect(evaluateSshExec(rules, 'ls $(make install)')).toMatchObject({ action: 'block', ruleName: null });
    expect(evaluateSshExec(rules, 'echo pwned > /home/x/.bashrc')).toMatchObject({ action: 'block', ruleName: null });
    const redirectAllowed = policy({ exec: [{ name: 'logs', match: 'dmesg > /tmp/*', action: 'allow' }], exec_default: 'block' });
    expect(evaluateSshExec(redirectAllowed, 'dmesg > /tmp/out')).toMatchObject({ action: 'allow' });
  });

  it('refuses file transfers unless sftp is allowed', () => {
    expect(evaluateSshExec(policy({}), 'scp -t /tmp/x')).toMatchObject({
      action: 'block',
      message: 'file transfers (scp) are not allowed on this connection (policy ssh.sftp.allow is false)',
      transfer: { protocol: 'scp', direction: 'upload', path: '/tmp/x' },
    });
    expect(evaluateSshExec(policy({ sftp: { allow: true } }), 'scp -t /tmp/x')).toMatchObject({ action: 'allow', transfer: { protocol: 'scp' } });
    expect(evaluateSshExec(policy({ sftp: { allow: true }, exec_default: 'block' }), 'scp -t /tmp/x')).toMatchObject({ action: 'block' });
  });
});

describe('sshEnvAllowed', () => {
  it('follows the allowlist globs', () => {
    const defaults = policy(undefined);
    expect(sshEnvAllowed(defaults, 'LANG')).toBe(true);
    expect(sshEnvAllowed(defaults, 'LC_FOO')).toBe(true);
    expect(sshEnvAllowed(defaults, 'SECRET_X')).toBe(false);
    expect(sshEnvAllowed(defaults, 'lang')).toBe(false);
    expect(sshEnvAllowed(policy({ env: { allow: [] } }), 'LANG')).toBe(false);
  });
});
