import type { JWTPayload } from 'jose';
import { principalSchema } from '../../shared/api/identity.ts';
import type { Principal, Role } from '../../shared/api/identity.ts';
import { TokenRejected } from './token-rejected.ts';

/** Which IdP groups grant which Gatehouse role. */
export interface RoleMapping {
  admin: string[];
  auditor: string[];
  analyst: string[];
  /** Holding any of these makes a principal an approver, through exactly those groups. */
  approverGroups: string[];
}

/**
 * Reads the groups claim. IdPs disagree on its shape: most send an array of strings, some a
 * single space- or comma-separated string. A name with dots is first looked up as a literal
 * claim (Auth0-style `https://example.com/groups`), then as a path (Keycloak-style `realm_access.roles`).
 */
export function readGroups(claims: JWTPayload, groupsClaim: string): string[] {
  const raw = lookUpClaim(claims, groupsClaim);
  if (raw === undefined || raw === null) return [];
  const items = typeof raw === 'string' ? raw.split(/[\s,]+/) : raw;
  if (!Array.isArray(items)) throw new TokenRejected(`groups claim "${groupsClaim}" is neither an array nor a string`);
  const groups: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') throw new TokenRejected(`groups claim "${groupsClaim}" holds a non-string member`);
    const group = item.trim();
    if (group !== '' && !groups.includes(group)) groups.push(group);
  }
  return groups;
}

function lookUpClaim(claims: JWTPayload, name: string): unknown {
  if (name in claims) return claims[name];
  if (!name.includes('.')) return undefined;
  let node: unknown = claims;
  for (const segment of name.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/**
 * A token issued by the client-credentials grant has no end-user behind it. The rule:
 * `gty === 'client_credentials'` (set by Auth0 and by Gatehouse's dev IdP) decides outright;
 * otherwise the token is a machine's when its `sub` is the client itself (`sub` equals
 * `client_id` or `azp`, as Keycloak, Okta and oidc-provider issue them) and it carries no
 * `preferred_username` and no `email`, which every human sign-in includes.
 */
export function isMachineToken(claims: JWTPayload): boolean {
  if (claims['gty'] === 'client_credentials') return true;
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') return false;
  const subjectIsClient = sub === claims['client_id'] || sub === claims['azp'];
  const hasHumanName = typeof claims['preferred_username'] === 'string' || typeof claims['email'] === 'string';
  return subjectIsClient && !hasHumanName;
}

/** Builds the Principal from claims whose signature and timing have already been verified. */
export function principalFromClaims(claims: JWTPayload, opts: { groupsClaim: string; roleMapping: RoleMapping }): Principal {
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject === '') throw new TokenRejected('token has no sub');
  const groups = readGroups(claims, opts.groupsClaim);
  const machine = isMachineToken(claims);
  const inAny = (mapped: string[]): boolean => groups.some((group) => mapped.includes(group));
  const approverGroups = groups.filter((group) => opts.roleMapping.approverGroups.includes(group));

  // Fixed order so that role lists compare and log predictably.
  const roles: Role[] = [];
  if (inAny(opts.roleMapping.admin)) roles.push('admin');
  if (approverGroups.length > 0) roles.push('approver');
  if (inAny(opts.roleMapping.auditor)) roles.push('auditor');
  // Agents and CI jobs exist to run queries; their permissions come from policy, not groups.
  if (inAny(opts.roleMapping.analyst) || machine) roles.push('analyst');

  return principalSchema.parse({
    subject,
    name: displayName(claims, subject),
    groups,
    roles,
    approverGroups,
    machine,
  });
}

function displayName(claims: JWTPayload, subject: string): string {
  for (const claim of ['preferred_username', 'email', 'client_id']) {
    const value = claims[claim];
    if (typeof value === 'string' && value !== '') return value;
  }
  return subject;
}
