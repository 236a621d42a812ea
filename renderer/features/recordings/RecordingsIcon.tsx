/** The recordings' navigation icon: a screen with a play mark (decorative; the link carries the label). */
export function RecordingsIcon({ size = 16 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <rect x="3" y="4" width="18" height="13" rx="2" />
      <path d="M10 8.5v5l4-2.5z" />
      <path d="M8 21h8" />
    </svg>
  );
}
