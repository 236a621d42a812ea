import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ClassifiedStatement } from '../../../shared/policy/evaluate.ts';
import { PolicyStatementClass } from '../../../shared/policy/policy-document.ts';
import type { SqlClassification, StatementClassification } from '../../../shared/sql/classify.ts';
import { statementClassSchema } from '../../../shared/sql/statement-class.ts';

// The evaluator takes a structural subset of the classifier's output; these checks break the
// build, not a user's policy, when the two drift apart.
describe('classifier contract', () => {
  it('a whole classification and each of its statements can be evaluated as they are', () => {
    expectTypeOf<SqlClassification>().toExtend<ClassifiedStatement>();
    expectTypeOf<StatementClassification>().toExtend<ClassifiedStatement>();
  });

  it('policies name exactly the statement classes the classifier reports', () => {
    expect([...PolicyStatementClass.options].sort()).toEqual([...statementClassSchema.options].sort());
  });
});
