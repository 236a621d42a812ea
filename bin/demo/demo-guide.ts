import { DEMO_USERS, demoPasswordFor } from '../../server/dev-idp/demo-users.ts';
import { DEMO_POSTGRES_CONNECTION, DEMO_SSH_CONNECTION } from './demo-policies.ts';

/** Who to sign in as, and what to try as each of them. */

export type DemoRole = 'analyst' | 'approver' | 'auditor' | 'admin';

export interface DemoUserGuide {
  username: string;
  password: string;
  name: string;
  role: DemoRole;
  groups: string[];
  tryThis: string;
}

const ROLE_OF_GROUP: Readonly<Record<string, DemoRole>> = {
  analysts: 'analyst',
  'db-approvers': 'approver',
  auditors: 'auditor',
  admins: 'admin',
};

function suggestion(role: DemoRole, username: string): string {
  switch (role) {
    case 'analyst':
      return (
        `open ${DEMO_POSTGRES_CONNECTION}: \`select * from customers limit 5\` comes back with masked e-mails, phones, cards and IBANs; ` +
        `\`update orders set status = 'cancelled' where id = 1\` waits for bob or erin; \`drop table orders\` is blocked. ` +
        `Open a terminal on ${DEMO_SSH_CONNECTION}: \`tail logs/app.log\` runs (and is recorded), \`rm -rf app\` is blocked`
      );
    case 'approver':
      return username === 'bob'
        ? "approve or deny alice's held statement from the inbox (and read exactly what will run first)"
        : 'a second approver: the same inbox as bob; deny a request with a comment and watch alice get the answer';
    case 'auditor':
      return "search the audit trail, verify the hash chain, export it, and replay alice's SSH session; the UI offers no way to open a connection";
    case 'admin':
      return `edit the demo policies (e.g. unmask IBANs on ${DEMO_POSTGRES_CONNECTION}), diff the versions, add a connection`;
    default:
      return role satisfies never;
  }
}

export function demoUserGuides(): DemoUserGuide[] {
  return DEMO_USERS.map((user) => {
    const role = user.groups.map((group) => ROLE_OF_GROUP[group]).find((r) => r !== undefined) ?? 'analyst';
    return { username: user.username, password: demoPasswordFor(user.username), name: user.name, role, groups: [...user.groups], tryThis: suggestion(role, user.username) };
  });
}

export interface DemoSummaryInput {
  dataDir: string;
  serverUrl: string;
  devIdpIssuer: string;
  uiUrl: string | null;
  appNote: string;
  postgresNote: string;
  sshNote: string;
  connectionsNote: string;
  users: DemoUserGuide[];
}

const WRAP_AT = 92;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The text printed once everything runs. */
export function renderDemoSummary(input: DemoSummaryInput): string {
  const width = Math.max(...input.users.map((u) => u.username.length + u.password.length + 3));
  const lines = [
    '',
    'Gatehouse demo is running (everything on 127.0.0.1; Ctrl-C stops it all).',
    '',
    `  Server      ${input.serverUrl}   (API docs: ${input.serverUrl}/docs)`,
    `  Dev IdP     ${input.devIdpIssuer}   (development only: the passwords below are public)`,
    `  App         ${input.uiUrl ?? '-'}`,
    `              ${input.appNote}`,
    `  PostgreSQL  ${input.postgresNote}`,
    `  SSH         ${input.sshNote}`,
    `  Connections ${input.connectionsNote}`,
    `  Data        ${input.dataDir}   (kept across restarts; --reset starts clean)`,
    '',
    'Sign in as:',
    '',
  ];
  for (const user of input.users) {
    lines.push(`  ${`${user.username} / ${user.password}`.padEnd(width)}  ${user.role}`);
    for (const line of wrap(user.tryThis, WRAP_AT)) lines.push(`      ${line}`);
  }
  lines.push(
    '',
    'From a terminal, as alice (psql, DBeaver or any driver through a local listener):',
    `  export GATEHOUSE_SERVER=${input.serverUrl}`,
    '  npx gatehouse login                     # alice / alice-password',
    `  npx gatehouse connect ${DEMO_POSTGRES_CONNECTION}       # prints a psql URL`,
    '  npx gatehouse approvals list            # as bob, in another GATEHOUSE_HOME',
    '',
  );
  return lines.join('\n');
}
