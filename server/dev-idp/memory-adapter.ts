/**
 * The dev IdP's storage for sessions, codes, grants and refresh tokens: one Map per IdP
 * instance, gone when it stops. Written here (rather than using oidc-provider's built-in
 * quick-start adapter) so that each instance has its own store with expiry and no size cap
 * that could evict a live session in the middle of a demo.
 */
type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string; consumed?: number };

interface Entry {
  payload: Payload;
  expiresAt: number;
}

/** Models whose artifacts die with their grant (revocation, refresh-token reuse detection). */
const GRANT_MEMBERS = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export class DevIdpStore {
  readonly entries = new Map<string, Entry>();
  readonly grantMembers = new Map<string, Set<string>>();
  readonly sessionsByUid = new Map<string, string>();
  readonly byUserCode = new Map<string, string>();

  adapterFor(model: string): DevIdpAdapter {
    return new DevIdpAdapter(model, this);
  }

  get(key: string): Payload | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  sweepExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

/** The adapter interface oidc-provider calls, one instance per model name. */
export class DevIdpAdapter {
  constructor(
    private readonly model: string,
    private readonly store: DevIdpStore,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: Payload, expiresInSec?: number): Promise<void> {
    const key = this.key(id);
    const expiresAt = typeof expiresInSec === 'number' ? Date.now() + expiresInSec * 1000 : Number.POSITIVE_INFINITY;
    this.store.entries.set(key, { payload, expiresAt });
    if (this.model === 'Session' && typeof payload.uid === 'string') this.store.sessionsByUid.set(payload.uid, id);
    if (typeof payload.userCode === 'string') this.store.byUserCode.set(payload.userCode, id);
    if (GRANT_MEMBERS.has(this.model) && typeof payload.grantId === 'string') {
      const members = this.store.grantMembers.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      this.store.grantMembers.set(payload.grantId, members);
    }
    // Cheap enough at dev-IdP volumes, and keeps a long-running demo from growing without bound.
    if (this.store.entries.size % 256 === 0) this.store.sweepExpired();
  }

  async find(id: string): Promise<Payload | undefined> {
    return this.store.get(this.key(id));
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const id = this.store.sessionsByUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    const id = this.store.byUserCode.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    const key = this.key(id);
    const payload = this.store.get(key);
    this.store.entries.delete(key);
    if (payload?.grantId !== undefined) this.store.grantMembers.get(payload.grantId)?.delete(key);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.store.grantMembers.get(grantId) ?? []) this.store.entries.delete(key);
    this.store.grantMembers.delete(grantId);
  }
}
