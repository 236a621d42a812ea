import { useMemo, useSyncExternalStore } from 'react';
import { parseHashRoute, type HashRoute } from './hash-route.ts';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current hash route; re-renders on every change. */
export function useHashRoute(): HashRoute {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return useMemo(() => parseHashRoute(hash), [hash]);
}

export function navigate(hash: string): void {
  if (window.location.hash === hash) return;
  window.location.hash = hash;
}

/** Changes the route without a history entry (after handling a one-shot parameter, or a default). */
export function replaceRoute(hash: string): void {
  if (window.location.hash === hash) return;
  history.replaceState(history.state, '', `${window.location.pathname}${window.location.search}${hash}`);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
