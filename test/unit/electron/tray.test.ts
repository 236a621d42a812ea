import { describe, expect, it } from 'vitest';
import { AppTray } from '../../../electron/tray/app-tray.ts';
import { trayView } from '../../../electron/tray/tray-view.ts';
import { FakeElectron } from './fake-electron-port.ts';

describe('trayView', () => {
  it('says nothing is waiting at zero (and for nonsense counts)', () => {
    for (const count of [0, -3, Number.NaN, 1.5]) {
      expect(trayView(count)).toEqual({ toolTip: 'Gatehouse', title: '', pendingLabel: 'No approvals waiting', badgeCount: 0 });
    }
  });

  it('counts pending approvals in the tooltip, the menu and the badge', () => {
    expect(trayView(1)).toEqual({ toolTip: 'Gatehouse: 1 approval waiting', title: '1', pendingLabel: '1 approval waiting', badgeCount: 1 });
    expect(trayView(12)).toEqual({ toolTip: 'Gatehouse: 12 approvals waiting', title: '12', pendingLabel: '12 approvals waiting', badgeCount: 12 });
  });

  it('keeps the menu-bar title short', () => {
    expect(trayView(150)).toMatchObject({ title: '99+', badgeCount: 150, pendingLabel: '150 approvals waiting' });
  });
});

describe('AppTray', () => {
  function started() {
    const electron = new FakeElectron();
    const actions: string[] = [];
    const tray = new AppTray(electron, '/icons/tray.png', {
      open: () => actions.push('open'),
      openApprovals: () => actions.push('approvals'),
      quit: () => actions.push('quit'),
    });
    tray.start();
    return { electron, actions, tray, fake: electron.trays[0]! };
  }

  it('shows the icon with Open, the pending count and Quit', () => {
    const { fake, electron } = started();
    expect(fake.iconPath).toBe('/icons/tray.png');
    expect(fake.toolTip).toBe('Gatehouse');
    expect(fake.menu.map((i) => (i === 'separator' ? '---' : `${i.label}${i.enabled ? '' : ' (disabled)'}`))).toEqual([
      'Open Gatehouse',
      'No approvals waiting (disabled)',
      '---',
      'Quit Gatehouse',
    ]);
    expect(electron.calls.badge).toEqual([0]);
  });

  it('follows approvals.pending: tooltip, title, menu item and badge', () => {
    const { tray, fake, electron } = started();
    tray.setPending(3);
    expect(fake.toolTip).toBe('Gatehouse: 3 approvals waiting');
    expect(fake.title).toBe('3');
    expect(fake.menuItem(/waiting/)).toMatchObject({ label: '3 approvals waiting', enabled: true });
    tray.setPending(0);
    expect(fake.toolTip).toBe('Gatehouse');
    expect(fake.title).toBe('');
    expect(electron.calls.badge).toEqual([0, 3, 0]);
  });

  it('opens the window, the inbox, or quits from the menu; a click on the icon opens', () => {
    const { tray, fake, actions } = started();
    tray.setPending(2);
    fake.menuItem(/Open/).click!();
    fake.menuItem(/waiting/).click!();
    fake.menuItem(/Quit/).click!();
    fake.click();
    expect(actions).toEqual(['open', 'approvals', 'quit', 'open']);
  });

  it('removes the icon when destroyed', () => {
    const { tray, fake } = started();
    tray.destroy();
    expect(fake.destroyed).toBe(true);
  });
});
