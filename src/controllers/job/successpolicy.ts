// spec.successPolicy of Indexed Jobs (upstream success_policy.go): the Job succeeds as soon as a
// rule is met, by listed indexes (all of them, or succeededCount of them) or by a count of
// succeeded indexes; then its remaining pods are deleted and it becomes Complete with reason
// SuccessPolicy.
import type { KubeObject } from '../../api/types.js';
import { parseIntervals, total, type Interval } from './indexes.js';

interface Rule {
  succeededIndexes?: string;
  succeededCount?: number;
}

/** How many indexes of rule are among succeeded (both ordered interval lists). */
function overlap(rule: Interval[], succeeded: Interval[]): number {
  let n = 0;
  for (const r of rule) for (const s of succeeded) n += Math.max(0, Math.min(r.last, s.last) - Math.max(r.first, s.first) + 1);
  return n;
}

/** The SuccessCriteriaMet message when a rule is met ("Matched rules at index N"), else undefined. */
export function matchSuccessPolicy(job: KubeObject, succeeded: Interval[]): string | undefined {
  const rules = (job.spec?.successPolicy?.rules ?? []) as Rule[];
  if (rules.length === 0 || succeeded.length === 0) return undefined;
  const completions = Number(job.spec?.completions ?? 0);
  for (const [index, rule] of rules.entries()) {
    if (typeof rule.succeededIndexes === 'string') {
      const required = parseIntervals(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      const have = overlap(required, succeeded);
      if (have === total(required) || (typeof rule.succeededCount === 'number' && have >= rule.succeededCount)) return `Matched rules at index ${index}`;
    } else if (typeof rule.succeededCount === 'number' && total(succeeded) >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}
