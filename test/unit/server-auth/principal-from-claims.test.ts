import { describe, expect, it } from 'vitest';
import { isMachineToken, principalFromClaims, readGroups } from '../../../server/auth/principal-from-claims.ts';
import { TokenRejected } from '../../../server/auth/token-rejected.ts';

const ROLE_MAPPING = { admin: ['admins'], auditor: ['auditors'], analyst: ['analysts', 'data-team'], approverGroups: ['db-approvers'] };

describe('readGroups', () => {
  it('reads arrays, separated strings and nested paths, trimming and de-duplicating', () => {
    expect(readGroups({ groups: ['a', ' b ', 'a', ''] }, 'groups')).toEqual(['a', 'b']);
    expect(readGroups({ groups: 'a b,c ,, d' }, 'groups')).toEqual(['a', 'b', 'c', 'd']);
    expect(readGroups({ realm_access: { roles: ['x', 'y'] } }, 'realm_access.roles')).toEqual(['x', 'y']);
    expect(readGroups({ 'https://ns.test/groups': ['z'] }, 'https://ns.test/groups')).toEqual(['z']);
    expect(readGroups({}, 'groups')).toEqual([]);
  });

  it('rejects a groups claim of the wrong shape', () => {
    expect(() => readGroups({ groups: { admins: true } }, 'groups')).toThrow(TokenRejected);
    expect(() => readGroups({ groups: [['admins']] }, 'groups')).toThrow(TokenRejected);
  });
});

describe('isMachineToken', () => {
  it('follows gty, or sub equal to the client without a human name', () => {
    expect(isMachineToken({ sub: 'x', gty: 'client_credentials', email: 'a@b.test' })).toBe(true);
    expect(isMachineToken({ sub: 'agent', client_id: 'agent' })).toBe(true);
    expect(isMachineToken({ sub: 'agent', azp: 'agent' })).toBe(true);
    expect(isMachineToken({ sub: 'agent', client_id: 'agent', preferred_username: 'agent' })).toBe(false);
    expect(isMachineToken({ sub: 'u-1', client_id: 'desktop' })).toBe(false);
    expect(isMachineToken({ client_id: 'agent' })).toBe(false);
  });
});

describe('principalFromClaims', () => {
  it('gives no role to a person in no mapped group', () => {
    const principal = principalFromClaims({ sub: 'u-9', email: 'nobody@example.test', groups: ['staff'] }, { groupsClaim: 'groups', roleMapping: ROLE_MAPPING });
    expect(principal).toEqual({ subject: 'u-9', name: 'nobody@example.test', groups: ['staff'], roles: [], approverGroups: [], machine: false });
  });

  it('lists each role once, in a fixed order', () => {
    const principal = principalFromClaims(
      { sub: 'u-1', preferred_username: 'pat', groups: ['data-team', 'analysts', 'db-approvers', 'admins'] },
      { groupsClaim: 'groups', roleMapping: ROLE_MAPPING },
    );
    expect(principal.roles).toEqual(['admin', 'approver', 'analyst']);
    expect(principal.approverGroups).toEqual(['db-approvers']);
  });

  it('rejects claims without a subject', () => {
    expect(() => principalFromClaims({ groups: [] }, { groupsClaim: 'groups', roleMapping: ROLE_MAPPING })).toThrow(TokenRejected);
  });
});
