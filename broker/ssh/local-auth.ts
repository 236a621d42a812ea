import { createHash, timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuthContext, ParsedKey } from 'ssh2';
import { AuthRateLimiter } from '../pg/auth/auth-rate-limiter.ts';

/**
 * Who may use a local SSH listener: the person who opened it, proving it with the listener's
 * secret (password auth) or the listener's own key pair (publickey auth). Nothing else —
 * no keyboard-interactive, no host-based, no agent keys of the machine.
 */
export interface SshListenerCredentials {
  /** The user name clients log in as. */
  user: string;
  /** The listener secret for password auth; null disables password auth. */
  password: string | null;
  /** `ssh-ed25519 AAAA…` of the listener's client key; null disables publickey auth. */
  publicKey: string | null;
}

export type AuthVerdict = 'accepted' | 'rejected' | 'key-ok' | 'rate-limited';

export class LocalAuthenticator {
  private readonly key: ParsedKey | null;
  private readonly passwordDigest: Buffer | null;
  private readonly methods: ('password' | 'publickey')[];
  private readonly limiter = new AuthRateLimiter();

  constructor(private readonly credentials: SshListenerCredentials) {
    if (credentials.password === null && credentials.publicKey === null) throw new Error('an SSH listener needs a password or a public key for its clients');
    if (credentials.password !== null && credentials.password.length < 12) throw new Error('the listener secret must be at least 12 characters');
    if (credentials.publicKey === null) this.key = null;
    else {
      const parsed = ssh2.utils.parseKey(credentials.publicKey);
      if (parsed instanceof Error) throw new Error(`the listener's client public key cannot be read: ${parsed.message}`);
      this.key = parsed;
    }
    this.passwordDigest = credentials.password === null ? null : digest(credentials.password);
    this.methods = [...(this.key === null ? [] : (['publickey'] as const)), ...(this.passwordDigest === null ? [] : (['password'] as const))];
  }

  /** Answers one authentication attempt; `peer` keys the rate limiter. */
  handle(ctx: AuthContext, peer: string): AuthVerdict {
    const verdict = this.judge(ctx, peer);
    switch (verdict) {
      case 'accepted':
        this.limiter.recordSuccess(peer);
        ctx.accept();
        break;
      case 'key-ok':
        // The client asked whether this key would do; it signs next.
        ctx.accept();
        break;
      case 'rejected':
      case 'rate-limited':
        ctx.reject(this.methods);
        break;
      default:
        return verdict satisfies never;
    }
    return verdict;
  }

  private judge(ctx: AuthContext, peer: string): AuthVerdict {
    if (ctx.method === 'none') return 'rejected';
    if (!this.limiter.check(peer).allowed) return 'rate-limited';
    const userOk = ctx.username === this.credentials.user;
    if (ctx.method === 'password' && this.passwordDigest !== null) {
      const ok = timingSafeEqual(digest(ctx.password), this.passwordDigest) && userOk;
      if (!ok) this.limiter.recordFailure(peer);
      return ok ? 'accepted' : 'rejected';
    }
    if (ctx.method === 'publickey' && this.key !== null) {
      // The blob names the key; the algorithm may differ for RSA (rsa-sha2-512 over an ssh-rsa key).
      const sameKey = ctx.key.data.equals(this.key.getPublicSSH());
      // Offering other keys is what clients do with an agent full of them: not a failure.
      if (!sameKey || !userOk) return 'rejected';
      if (ctx.signature === undefined || ctx.blob === undefined) return 'key-ok';
      const ok = this.key.verify(ctx.blob, ctx.signature, ctx.hashAlgo);
      if (!ok) this.limiter.recordFailure(peer);
      return ok ? 'accepted' : 'rejected';
    }
    return 'rejected';
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
