import { describe, expect, it } from 'vitest';
import { denyAllPermissions } from '../../../electron/security/permission-policy.ts';
import { FakeElectron, RecordingLog } from './fake-electron-port.ts';

const PERMISSIONS = ['clipboard-read', 'clipboard-sanitized-write', 'display-capture', 'fullscreen', 'geolocation', 'media', 'midi', 'notifications', 'openExternal', 'pointerLock', 'keyboardLock', 'fileSystem', 'unknown'];

describe('permissions', () => {
  it('denies every permission request, even from the app’s own page', () => {
    const electron = new FakeElectron();
    const log = new RecordingLog();
    denyAllPermissions(electron.session, log);
    for (const permission of PERMISSIONS) {
      for (const url of ['app://gatehouse/index.html', 'https://evil.example.com/?token=abc']) {
        const answers: boolean[] = [];
        electron.permissions.request!(permission, url, (granted) => answers.push(granted));
        expect(answers).toEqual([false]);
      }
    }
    expect(log.text()).not.toContain('token=abc');
  });

  it('answers every permission check with no', () => {
    const electron = new FakeElectron();
    denyAllPermissions(electron.session, new RecordingLog());
    for (const permission of PERMISSIONS) expect(electron.permissions.check!(permission, 'app://gatehouse')).toBe(false);
  });
});
