import { Text, type TextProps } from '@mantine/core';
import { useNow } from './use-now.ts';
import { formatCountdown, msUntil } from './time-format.ts';

/** A live "time left" until `until`; announces politely only when it runs out. */
export function Countdown({ until, testId, ...rest }: { until: string; testId?: string } & TextProps) {
  const now = useNow(1000);
  const left = msUntil(until, now);
  return (
    <Text component="span" data-testid={testId} data-ms-left={Math.max(0, Math.round(left))} aria-live={left <= 0 ? 'polite' : 'off'} ff="monospace" {...rest}>
      {formatCountdown(left)}
    </Text>
  );
}
