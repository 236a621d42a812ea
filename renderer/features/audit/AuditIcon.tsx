/** The audit trail's navigation icon: a list with a check (decorative; the link carries the label). */
export function AuditIcon({ size = 16 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M9 6h11M9 12h11M9 18h6" />
      <path d="M3.5 6l1 1 2-2M3.5 12l1 1 2-2" />
    </svg>
  );
}
