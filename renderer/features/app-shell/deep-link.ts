import { connectionNameSchema } from '../../../shared/api/connections.ts';
import { formatHashRoute } from './hash-route.ts';

const APPROVAL_ID = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Where a `navigate` event (or a notification's deep link) takes the app, as a hash route;
 * null for anything we do not recognise, so a crafted link cannot send the UI somewhere odd.
 * Accepts `gatehouse://approvals/<id>`, `gatehouse://connect/<name>` and plain app routes.
 */
export function routeForNavigateTarget(target: string): string | null {
  const trimmed = target.trim();
  const deepLink = /^gatehouse:\/\/([a-z]+)\/([^/?#]+)\/?$/i.exec(trimmed);
  if (deepLink) {
    const kind = deepLink[1]!.toLowerCase();
    const value = safeDecode(deepLink[2]!);
    if (value === null) return null;
    if (kind === 'approvals' && APPROVAL_ID.test(value)) return formatHashRoute(['approvals', value]);
    if (kind === 'connect' && connectionNameSchema.safeParse(value).success) return formatHashRoute(['query'], { open: value });
    return null;
  }
  if (/^#?\/[A-Za-z0-9_\-/?=&%.]*$/.test(trimmed)) return trimmed.startsWith('#') ? trimmed : `#${trimmed}`;
  return null;
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
