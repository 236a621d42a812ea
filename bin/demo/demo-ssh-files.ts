/**
 * A few files in the demo SSH user's home, so there is something to look at (and to find
 * again in a recording): the same content on the real sshd user and on the built-in target.
 */

export const DEMO_SSH_USER = 'gatehouse-demo';
export const DEMO_SSH_HOSTNAME = 'shop-web-1';

function appLog(): string {
  const lines: string[] = [];
  const events = ['order created', 'payment captured', 'order shipped', 'stock low', 'payment retried', 'order delivered'];
  for (let i = 0; i < 40; i++) {
    const minute = String(i).padStart(2, '0');
    const event = events[(i * 7) % events.length] ?? 'order created';
    const level = event === 'stock low' || event === 'payment retried' ? 'WARN' : 'INFO';
    lines.push(`2025-06-30T09:${minute}:12Z ${level} shop-web: ${event} order_id=${19_960 + i}`);
  }
  return `${lines.join('\n')}\n`;
}

export const DEMO_HOME_FILES: Readonly<Record<string, string>> = {
  'README.txt': [
    'Gatehouse demo SSH target (shop-web-1).',
    '',
    'You reached this host through Gatehouse: the session is recorded, file transfer',
    'and port forwarding are refused, and some commands are blocked by policy.',
    '',
    'Try:  ls   cat app/config.yml   tail logs/app.log   grep WARN logs/app.log   uptime',
    'Then: rm -rf app   (blocked)   sudo -i   (blocked)   scp / sftp   (refused)',
    '',
  ].join('\n'),
  'app/config.yml': [
    '# shop-web configuration',
    'listen: 0.0.0.0:8080',
    'database:',
    '  host: db.internal',
    '  name: shop',
    '  user: shop_app',
    '  password_from: vault:secret/shop/db',
    'payments:',
    '  provider: examplepay',
    '  retry_limit: 3',
    'feature_flags:',
    '  new_checkout: true',
    '  loyalty_points: false',
    '',
  ].join('\n'),
  'logs/app.log': appLog(),
};
