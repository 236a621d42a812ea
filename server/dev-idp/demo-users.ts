import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The dev IdP's people. FOR DEVELOPMENT ONLY: every password is the username followed by
 * `-password` (alice / alice-password, bob / bob-password, ...), and the login page says so.
 */
export interface DemoUser {
  username: string;
  name: string;
  email: string;
  groups: string[];
}

export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'alice', name: 'Alice Analyst', email: 'alice@gatehouse.example', groups: ['analysts'] },
  { username: 'bob', name: 'Bob Approver', email: 'bob@gatehouse.example', groups: ['db-approvers'] },
  { username: 'erin', name: 'Erin Approver', email: 'erin@gatehouse.example', groups: ['db-approvers'] },
  { username: 'carol', name: 'Carol Auditor', email: 'carol@gatehouse.example', groups: ['auditors'] },
  { username: 'dave', name: 'Dave Admin', email: 'dave@gatehouse.example', groups: ['admins'] },
];

export function demoPasswordFor(username: string): string {
  return `${username}-password`;
}

export function findDemoUser(username: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.username === username);
}

/** Returns the user only when the password matches; compared in constant time out of habit, not need. */
export function authenticateDemoUser(username: string, password: string): DemoUser | undefined {
  const user = findDemoUser(username);
  const expected = digest(demoPasswordFor(user?.username ?? 'no such user'));
  const matches = timingSafeEqual(expected, digest(password));
  return user !== undefined && matches ? user : undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The claims a demo user's tokens carry. */
export function demoUserClaims(user: DemoUser): Record<string, unknown> {
  return {
    sub: user.username,
    name: user.name,
    preferred_username: user.username,
    email: user.email,
    email_verified: true,
    groups: [...user.groups],
  };
}
