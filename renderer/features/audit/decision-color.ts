/** Badge colours of policy decisions, the same in every audit and replay view. */
export function decisionColor(decision: string | null): string {
  switch (decision) {
    case 'allow':
    case 'executed':
      return 'green';
    case 'block':
    case 'deny':
    case 'refused':
      return 'red';
    case 'approve':
      return 'yellow';
    case 'error':
      return 'orange';
    default:
      return 'gray';
  }
}
