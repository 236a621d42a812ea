import { z } from 'zod';

export const statementClassSchema = z.enum(['read', 'control', 'write', 'ddl', 'dangerous', 'unknown']);
export type StatementClass = z.infer<typeof statementClassSchema>;

// Risk order, lowest first. `unknown` sits below `dangerous` on purpose: "we could not prove it safe"
// is serious, but a statement we *know* escapes the guards is worse.
const RISK_ORDER: readonly StatementClass[] = ['read', 'control', 'write', 'ddl', 'unknown', 'dangerous'];

export function riskRank(cls: StatementClass): number {
  return RISK_ORDER.indexOf(cls);
}

export function riskier(a: StatementClass, b: StatementClass): StatementClass {
  return riskRank(b) > riskRank(a) ? b : a;
}
