import { describe, expect, it } from 'vitest';
import { NotificationPresenter, notificationRequest } from '../../../electron/notifications/notification-presenter.ts';
import { FakeElectron, RecordingLog } from './fake-electron-port.ts';

const ID = '0b6f3c2a-1d4e-4f5a-8b9c-0d1e2f3a4b5c';

function targets() {
  const calls: string[] = [];
  return { calls, open: () => calls.push('open'), openAt: (target: string) => calls.push(`openAt ${target}`) };
}

describe('notification content', () => {
  it('carries the title and body, and a click opens the window at the deep link', () => {
    const t = targets();
    const request = notificationRequest({ title: 'Approval requested', body: 'alice wants to run UPDATE accounts SET …', deepLink: `gatehouse://approvals/${ID}` }, t)!;
    expect(request.title).toBe('Approval requested');
    expect(request.body).toBe('alice wants to run UPDATE accounts SET …');
    request.onClick();
    expect(t.calls).toEqual([`openAt gatehouse://approvals/${ID}`]);
  });

  it('flattens whitespace and clips long text', () => {
    const request = notificationRequest({ title: `  a\n\nb  ${'t'.repeat(200)}`, body: `UPDATE x\n  SET y = 1\n${'z'.repeat(1000)}`, deepLink: '' }, targets())!;
    expect(request.title.startsWith('a b ')).toBe(true);
    expect(request.title).toHaveLength(120);
    expect(request.title.endsWith('…')).toBe(true);
    expect(request.body.startsWith('UPDATE x SET y = 1 z')).toBe(true);
    expect(request.body).toHaveLength(400);
  });

  it('just opens the window when the deep link is not one the shell accepts', () => {
    const t = targets();
    notificationRequest({ title: 't', body: 'b', deepLink: 'https://evil.example.com/' }, t)!.onClick();
    notificationRequest({ title: 't', body: 'b', deepLink: 'gatehouse://approvals/../../x' }, t)!.onClick();
    expect(t.calls).toEqual(['open', 'open']);
  });

  it('ignores data that is not a notification', () => {
    expect(notificationRequest({ title: 't' }, targets())).toBeUndefined();
    expect(notificationRequest(null, targets())).toBeUndefined();
  });
});

describe('NotificationPresenter', () => {
  it('raises the OS notification at once', () => {
    const electron = new FakeElectron();
    const t = targets();
    new NotificationPresenter(electron, t, new RecordingLog()).present({ title: 'Approved', body: 'bob approved your request', deepLink: `gatehouse://approvals/${ID}` });
    expect(electron.notifications.map((n) => [n.title, n.body])).toEqual([['Approved', 'bob approved your request']]);
    electron.notifications[0]!.onClick();
    expect(t.calls).toEqual([`openAt gatehouse://approvals/${ID}`]);
  });

  it('shows nothing where the OS has no notifications, and logs malformed events', () => {
    const electron = new FakeElectron();
    electron.supportsNotifications = false;
    const log = new RecordingLog();
    const presenter = new NotificationPresenter(electron, targets(), log);
    presenter.present({ title: 't', body: 'b', deepLink: '' });
    presenter.present({ nope: true });
    expect(electron.notifications).toEqual([]);
    expect(log.lines.map((l) => l.msg)).toEqual(['ignored a malformed notification event']);
  });
});
