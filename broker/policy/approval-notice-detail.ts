/*
 * The NOTICE that announces a held statement carries its request id in DETAIL, so a client
 * (the query pane) can fetch the whole request without parsing the human sentence.
 */

const PREFIX = 'approval request ';

export function approvalNoticeDetail(requestId: string): string {
  return `${PREFIX}${requestId}`;
}

/** The request id of an approval wait NOTICE's detail, or null for any other notice. */
export function approvalRequestIdOf(detail: string | undefined): string | null {
  if (detail === undefined || !detail.startsWith(PREFIX)) return null;
  const id = detail.slice(PREFIX.length).trim();
  return /^[A-Za-z0-9-]{1,100}$/.test(id) ? id : null;
}
