/** What the tray icon, its menu and the dock/taskbar badge say for a number of pending approvals. */
export interface TrayView {
  toolTip: string;
  /** Short text beside the icon (macOS menu bar); empty when nothing is waiting. */
  title: string;
  pendingLabel: string;
  badgeCount: number;
}

export function trayView(pending: number): TrayView {
  const count = Number.isSafeInteger(pending) && pending > 0 ? pending : 0;
  if (count === 0) return { toolTip: 'Gatehouse', title: '', pendingLabel: 'No approvals waiting', badgeCount: 0 };
  const waiting = `${count} ${count === 1 ? 'approval' : 'approvals'} waiting`;
  return { toolTip: `Gatehouse: ${waiting}`, title: count > 99 ? '99+' : String(count), pendingLabel: waiting, badgeCount: count };
}
