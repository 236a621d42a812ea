/**
 * The demo connections' policy documents (shared/policy/policy-document.ts), as an admin would
 * write them: the YAML is what dave sees in the policy editor, comments included.
 */

export const DEMO_POSTGRES_CONNECTION = 'demo-postgres';
export const DEMO_SSH_CONNECTION = 'demo-ssh';
/** The dev IdP group of bob and erin (server/dev-idp/demo-users.ts). */
export const DEMO_APPROVER_GROUP = 'db-approvers';
export const DEMO_ANALYST_GROUP = 'analysts';

export const DEMO_POSTGRES_POLICY = `# demo-postgres: the demo shop's customer database.
# Reads are free but personal data comes back masked; every change needs a second person;
# schema changes and dangerous statements never run.
version: 1
connection: ${DEMO_POSTGRES_CONNECTION}
default: block
audit: durable
approval_wait: true
rules:
  - name: no-ddl
    when: { class: [ddl] }
    action: block
    message: "schema changes are not made through Gatehouse; ask the DBA team"
  - name: no-dangerous
    when: { class: [dangerous] }
    action: block
    message: "this statement could harm the server or bypass the policy"
  - name: reads
    when: { class: [read, control] }
    action: allow
  - name: writes-need-approval
    when: { class: [write] }
    action: approve
    approvers: [${DEMO_APPROVER_GROUP}]
    expires_after: 15m
    message: "changes to shop data need a second person (bob or erin)"
  - name: everything-else
    when: { class: [unknown] }
    action: block
masking:
  columns:
    "public.customers.email": partial
    "public.customers.phone": last4
    "public.customers.card_number": last4
    "public.customers.iban": redact
  # Free text (customers.notes) and computed columns are scanned too.
  detectors: [email, phone, credit_card, iban, ssn, secret_token, jwt]
  scan: all
`;

export const DEMO_SSH_POLICY = `# demo-ssh: shop-web-1, the demo shop's web server.
# Sessions are recorded; file transfer and port forwarding are refused; destructive commands
# and privilege escalation are blocked; restarting the service needs an approver.
version: 1
connection: ${DEMO_SSH_CONNECTION}
default: block
audit: durable
ssh:
  exec:
    - name: no-destructive
      match: ["rm -rf*", "* rm -rf*", "mkfs*", "dd *", "shutdown*", "reboot*"]
      action: block
      message: "destructive commands are blocked on shop-web-1"
    - name: no-root
      match: ["sudo*", "su", "su *"]
      action: block
      message: "nobody becomes root through Gatehouse"
    - name: restarts-need-approval
      match: ["systemctl restart *", "systemctl stop *"]
      action: approve
      approvers: [${DEMO_APPROVER_GROUP}]
  exec_default: allow
  shell: { allow: true }
  sftp: { allow: false }
  port_forwarding: false
  idle_timeout: 30m
  # Output is always recorded; keystrokes are not (they may hold passwords typed at prompts).
  record_input: false
`;
