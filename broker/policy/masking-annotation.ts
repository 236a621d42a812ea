import type { NoticeFields } from '../pg/protocol/backend-messages.ts';
import type { RowPlan } from '../masking/row-plan.ts';
import type { ComputedColumnRule } from '../masking/computed-column-rule.ts';
import { isTextBearing } from '../masking/computed-column-rule.ts';

/*
 * The query pane shows masked cells as masked, naming the rule. Values alone cannot say so (a
 * masked e-mail still looks like text), so a client may opt in with
 * `SET gatehouse.annotate_masking = on`: each result with masked columns is then preceded by a
 * NOTICE whose detail lists them as JSON. psql users never see it unless they ask.
 */

export const ANNOTATE_MASKING_SETTING = 'gatehouse.annotate_masking';
export const MASKING_NOTICE_MESSAGE = 'gatehouse: the next result has masked columns';

export interface MaskedColumnNote {
  /** Position in the RowDescription, from 0. */
  index: number;
  /** The column rule (`public.customers.email`), or what else masks it. */
  rule: string;
  /** A mask style, or `withheld` for values that are not sent at all. */
  style: string;
}

/** PostgreSQL's boolean spellings for a setting. */
export function settingIsOn(value: string | null): boolean {
  if (value === null) return false;
  return ['on', 'true', 'yes', '1', 't', 'y'].includes(value.trim().toLowerCase());
}

/** Which columns of this row shape the proxy changes, and how. */
export function maskedColumnsOf(plan: RowPlan, computed: ComputedColumnRule | null): MaskedColumnNote[] {
  const notes: MaskedColumnNote[] = [];
  plan.actions.forEach((action, index) => {
    switch (action.kind) {
      case 'mask':
        notes.push({ index, rule: action.label, style: action.style });
        break;
      case 'withhold':
        notes.push({ index, rule: action.label, style: 'withheld' });
        break;
      case 'computed': {
        const typeOid = plan.fields[index]?.typeOid ?? 0;
        if (computed !== null && isTextBearing(typeOid)) {
          notes.push({ index, rule: `expression over ${computed.columns.map((c) => c.glob).join(', ')}`, style: computed.strictest });
        }
        break;
      }
      case 'pass':
      case 'scan':
        break;
      default:
        action satisfies never;
    }
  });
  return notes;
}

export function maskingNotice(columns: readonly MaskedColumnNote[]): NoticeFields {
  return { severity: 'NOTICE', code: '01000', message: MASKING_NOTICE_MESSAGE, detail: JSON.stringify(columns) };
}

/** The masked columns a NOTICE announces, or null when it is not such a notice. */
export function parseMaskingNotice(notice: { message?: string | undefined; detail?: string | undefined }): MaskedColumnNote[] | null {
  if (notice.message !== MASKING_NOTICE_MESSAGE || notice.detail === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(notice.detail);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const notes: MaskedColumnNote[] = [];
  for (const item of parsed as unknown[]) {
    if (typeof item !== 'object' || item === null) return null;
    const { index, rule, style } = item as Record<string, unknown>;
    if (typeof index !== 'number' || typeof rule !== 'string' || typeof style !== 'string') return null;
    notes.push({ index, rule, style });
  }
  return notes;
}
