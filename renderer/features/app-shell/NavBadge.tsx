import { Badge } from '@mantine/core';

/** A route's count next to its navigation label (`<segment>-badge`); hidden at zero. */
export function NavBadge({ useCount, segment, label }: { useCount: () => number; segment: string; label: string }) {
  const count = useCount();
  if (count <= 0) return null;
  return (
    <Badge size="sm" circle={count < 10} color="red" aria-label={`${count} ${label}`} data-testid={`${segment}-badge`} data-count={count}>
      {count}
    </Badge>
  );
}
