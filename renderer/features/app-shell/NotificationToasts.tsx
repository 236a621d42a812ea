import { Notification, Stack } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { AppNotification } from '../../../shared/bridge/approvals-bridge.ts';
import { useBridgeEvent } from '../../bridge/bridge-react.tsx';
import { routeForNavigateTarget } from './deep-link.ts';
import { navigate } from './use-hash-route.ts';

interface Toast extends AppNotification {
  key: number;
}

const SHOW_MS = 12_000;
let toastKey = 0;

/** In a browser tab there is no tray: the broker's notifications show here, and clicking one follows its link. */
export function NotificationToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);

  useBridgeEvent('notification', (notification) => {
    toastKey += 1;
    setToasts((current) => [...current.slice(-4), { ...notification, key: toastKey }]);
  });

  useEffect(() => {
    if (toasts.length === 0) return;
    const timer = setTimeout(() => setToasts((current) => current.slice(1)), SHOW_MS);
    return () => clearTimeout(timer);
  }, [toasts]);

  const dismiss = (key: number) => setToasts((current) => current.filter((t) => t.key !== key));

  return (
    <Stack className="toasts" gap="xs" role="region" aria-label="Notifications" aria-live="polite">
      {toasts.map((toast) => {
        const target = routeForNavigateTarget(toast.deepLink);
        return (
          <Notification key={toast.key} title={toast.title} onClose={() => dismiss(toast.key)} data-testid="toast" closeButtonProps={{ 'aria-label': 'Dismiss notification' }}>
            {target ? (
              <a
                href={target}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(target);
                  dismiss(toast.key);
                }}
              >
                {toast.body}
              </a>
            ) : (
              toast.body
            )}
          </Notification>
        );
      })}
    </Stack>
  );
}
