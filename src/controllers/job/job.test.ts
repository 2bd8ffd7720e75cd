// Unit tests of the Job controller's pure pieces: completion-index intervals, the failure
// back-off, finish times and the order in which pods are deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { formatIntervals, firstPendingIndexes, parseIntervals, total, withIndexes, completionIndex } from './indexes.js';
import { nextRecord, remainingBackoff } from './backoff.js';
import { deletionOrder, finishedTime, isPodFailed } from './pods.js';
import { matchPodFailurePolicy } from './failurepolicy.js';
import { matchSuccessPolicy } from './successpolicy.js';
import { calculateFailedIndexes, delayedDeletionPerIndex, indexBackoff, replacementCounts } from './perindex.js';

const pod = (o: { ix?: string; phase?: string; finished?: string; deleted?: boolean; node?: string; created?: string } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'p',
    creationTimestamp: o.created ?? '2025-01-01T00:00:00Z',
    ...(o.ix !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': o.ix } } : {}),
    ...(o.deleted ? { deletionTimestamp: '2025-01-01T00:05:00Z', deletionGracePeriodSeconds: 30 } : {}),
  },
  spec: o.node ? { nodeName: o.node } : {},
  status: {
    phase: o.phase ?? 'Running',
    ...(o.finished ? { containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 1, finishedAt: o.finished } } }] } : {}),
  },
});

test('completedIndexes: two neighbours are listed, three or more become a range; parsing clips to completions', () => {
  const iv = withIndexes([], [0, 1, 3, 4, 5, 7]);
  assert.equal(formatIntervals(iv), '0,1,3-5,7');
  assert.equal(total(iv), 6);
  assert.deepEqual(parseIntervals('0,1,3-5,7', 5), [
    { first: 0, last: 1 },
    { first: 3, last: 4 },
  ]);
  assert.deepEqual(parseIntervals('x,2', 5), [{ first: 2, last: 2 }], 'corrupt parts are skipped');
  assert.equal(formatIntervals(withIndexes(parseIntervals('0-2', 10), [3, 6])), '0-3,6');
});

test('pending indexes skip succeeded and active ones; bad index annotations are unknown', () => {
  const active = [pod({ ix: '1' }), pod({ ix: '4' })];
  assert.deepEqual(firstPendingIndexes(active, [{ first: 0, last: 0 }], 3, 6), [2, 3, 5]);
  assert.deepEqual(firstPendingIndexes([], [], 10, 3), [0, 1, 2]);
  assert.equal(completionIndex(pod({ ix: '-1' })), -1);
  assert.equal(completionIndex(pod({ ix: 'a' })), -1);
  assert.equal(completionIndex(pod({ ix: '12' })), 12);
});

test('back-off: 10 s doubling per consecutive failure, capped at 10 minutes as the 1.32 controller does, reset by a success', () => {
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const one = nextRecord({ failuresAfterLastSuccess: 0 }, [], [pod({ phase: 'Failed', finished: '2025-01-01T00:00:00Z' })]);
  assert.deepEqual(one, { failuresAfterLastSuccess: 1, lastFailureTime: t0 });
  assert.equal(remainingBackoff(one, t0 + 4000), 6000);
  assert.equal(remainingBackoff(one, t0 + 11_000), 0);
  assert.equal(remainingBackoff({ failuresAfterLastSuccess: 3, lastFailureTime: t0 }, t0), 40_000);
  assert.equal(remainingBackoff({ failuresAfterLastSuccess: 6, lastFailureTime: t0 }, t0), 320_000);
  assert.equal(remainingBackoff({ failuresAfterLastSuccess: 7, lastFailureTime: t0 }, t0), 600_000);
  assert.equal(remainingBackoff({ failuresAfterLastSuccess: 20, lastFailureTime: t0 }, t0), 600_000);
  const reset = nextRecord(one, [pod({ phase: 'Succeeded', finished: '2025-01-01T00:01:00Z' })], [pod({ phase: 'Failed', finished: '2025-01-01T00:00:30Z' })]);
  assert.deepEqual(reset, { failuresAfterLastSuccess: 0 }, 'failures before the last success do not count');
});

test('finish time and failure of a deleted pod; delete order prefers unscheduled, then newer', () => {
  assert.equal(finishedTime(pod({ finished: '2025-01-01T00:02:00Z' })), Date.parse('2025-01-01T00:02:00Z'));
  assert.equal(finishedTime(pod({ deleted: true })), Date.parse('2025-01-01T00:04:30Z'), 'deletion minus grace period');
  const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: {} };
  assert.equal(isPodFailed(pod({ deleted: true }), job), true, 'TerminatingOrFailed: a deleted pod is a failure');
  assert.equal(isPodFailed(pod({ deleted: true }), { ...job, spec: { podReplacementPolicy: 'Failed' } }), false);
  const order = [pod({ node: 'n', created: '2025-01-01T00:00:00Z' }), pod({ node: 'n', created: '2025-01-02T00:00:00Z' }), pod({})].sort(deletionOrder);
  assert.deepEqual(
    order.map((p) => [p.spec?.nodeName ?? '', p.metadata.creationTimestamp]),
    [
      ['', '2025-01-01T00:00:00Z'],
      ['n', '2025-01-02T00:00:00Z'],
      ['n', '2025-01-01T00:00:00Z'],
    ],
  );
});

test('podFailurePolicy: the first matching rule decides; exit code 0 and running containers never match', () => {
  const job: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j' },
    spec: {
      podFailurePolicy: {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          { action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
          { action: 'Count', onExitCodes: { operator: 'In', values: [1] } },
        ],
      },
    },
  };
  const failedWith = (code: number, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns' },
    status: { phase: 'Failed', containerStatuses: [{ name: 'main', state: { terminated: { exitCode: code } } }], ...extra },
  });
  assert.deepEqual(matchPodFailurePolicy(job, failedWith(7)), { failJobMessage: 'Container main for pod ns/p failed with exit code 7 matching FailJob rule at index 1', countFailed: true });
  assert.deepEqual(matchPodFailurePolicy(job, failedWith(1)), { countFailed: true });
  assert.deepEqual(matchPodFailurePolicy(job, failedWith(2)), { countFailed: true }, 'no rule: counted');
  assert.deepEqual(matchPodFailurePolicy(job, failedWith(0)), { countFailed: true });
  assert.deepEqual(matchPodFailurePolicy(job, failedWith(7, { conditions: [{ type: 'DisruptionTarget', status: 'True' }] })), { countFailed: false });
});

test('successPolicy: listed indexes, a count among them, or a count overall', () => {
  const job = (rules: unknown[]): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { completions: 10, completionMode: 'Indexed', successPolicy: { rules } } });
  const done = withIndexes([], [0, 1, 2, 4, 5, 6, 7]);
  assert.equal(matchSuccessPolicy(job([{ succeededIndexes: '0-2' }]), done), 'Matched rules at index 0');
  assert.equal(matchSuccessPolicy(job([{ succeededIndexes: '2-3' }]), done), undefined);
  assert.equal(matchSuccessPolicy(job([{ succeededIndexes: '2-3' }, { succeededIndexes: '3,8-9', succeededCount: 1 }, { succeededCount: 7 }]), done), 'Matched rules at index 2');
  assert.equal(matchSuccessPolicy(job([{ succeededIndexes: '1-3', succeededCount: 2 }]), done), 'Matched rules at index 0');
  assert.equal(matchSuccessPolicy(job([]), done), undefined);
});

test('backoffLimitPerIndex: failure counts pass to the replacement; an index fails at the limit', () => {
  const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { completions: 3, completionMode: 'Indexed', backoffLimitPerIndex: 1 } };
  const failed = (ix: string, count: string): KubeObject => ({
    ...pod({ ix, phase: 'Failed', finished: '2025-01-01T00:00:00Z' }),
    metadata: { name: `p${ix}${count}`, uid: `u${ix}${count}`, finalizers: ['batch.kubernetes.io/job-tracking'], annotations: { 'batch.kubernetes.io/job-completion-index': ix, 'batch.kubernetes.io/job-index-failure-count': count } },
  });
  assert.deepEqual(replacementCounts(job, undefined), { 'batch.kubernetes.io/job-index-failure-count': '0' });
  assert.deepEqual(replacementCounts(job, failed('0', '0')), { 'batch.kubernetes.io/job-index-failure-count': '1' });
  assert.deepEqual(calculateFailedIndexes(job, [failed('0', '0'), failed('2', '1')]), [{ first: 2, last: 2 }]);
  const delayed = delayedDeletionPerIndex(job, [failed('0', '0'), failed('2', '1')], [], [], [{ first: 2, last: 2 }], new Set());
  assert.deepEqual([...delayed.keys()], [0], 'only indexes still retried keep their last failure');
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(indexBackoff(failed('0', '0'), t0 + 3000), 7000);
  assert.equal(indexBackoff(failed('0', '1'), t0 + 3000), 17_000);
});
