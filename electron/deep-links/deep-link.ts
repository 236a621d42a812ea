import { connectionNameSchema } from '../../shared/api/connections.ts';

export const DEEP_LINK_SCHEME = 'gatehouse';

/** A deep link the shell accepts; anything else is dropped. */
export type DeepLink = { kind: 'approval'; id: string } | { kind: 'connect'; name: string };

const MAX_LENGTH = 512;
// Matched on the raw text, before any URL normalization could fold `..` or `%2e` away.
const SHAPE = /^gatehouse:\/\/(approvals|connect)\/([^/?#\\]+)\/?$/i;
// Approval ids are UUIDs minted by the server.
const APPROVAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `gatehouse://approvals/<uuid>` or `gatehouse://connect/<connection-name>`; anything else
 * (other hosts, extra segments, queries, fragments, credentials, ports, encoded characters,
 * path traversal) is rejected with undefined. Deep links come from any web page or program
 * on the machine, so they are untrusted input.
 */
export function parseDeepLink(raw: unknown): DeepLink | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_LENGTH) return undefined;
  const match = SHAPE.exec(raw);
  if (match === null) return undefined;
  const target = match[1]!.toLowerCase();
  const segment = match[2]!;
  if (target === 'approvals') return APPROVAL_ID.test(segment) ? { kind: 'approval', id: segment.toLowerCase() } : undefined;
  return connectionNameSchema.safeParse(segment).success ? { kind: 'connect', name: segment } : undefined;
}

/**
 * The canonical text of an accepted deep link: what the `navigate` event carries to the
 * renderer (which maps it to its own route and checks it again).
 */
export function formatDeepLink(link: DeepLink): string {
  switch (link.kind) {
    case 'approval':
      return `${DEEP_LINK_SCHEME}://approvals/${link.id}`;
    case 'connect':
      return `${DEEP_LINK_SCHEME}://connect/${link.name}`;
    default:
      return link satisfies never;
  }
}

/** The navigate target for a raw deep link, or undefined if it is not one the shell accepts. */
export function navigateTargetFor(raw: unknown): string | undefined {
  const link = parseDeepLink(raw);
  return link === undefined ? undefined : formatDeepLink(link);
}

/**
 * Windows and Linux pass a deep link as a command-line argument (to the first instance, or to
 * a second one that forwards it). Chromium may add its own switches around it.
 */
export function findDeepLinkArgument(argv: readonly string[]): string | undefined {
  return argv.find((arg) => parseDeepLink(arg) !== undefined);
}
