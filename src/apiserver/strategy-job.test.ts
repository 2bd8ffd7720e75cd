import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { generateJobSelector } from './strategy.js';

const job = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', uid: 'u-1' }, spec });

test('Job selector is generated from the uid and the template gets the matching labels', () => {
  const j = job({ template: { metadata: { labels: { app: 'x' } }, spec: {} } });
  generateJobSelector(j);
  assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  assert.deepEqual(j.spec.template.metadata.labels, {
    app: 'x',
    'job-name': 'j',
    'batch.kubernetes.io/job-name': 'j',
    'controller-uid': 'u-1',
    'batch.kubernetes.io/controller-uid': 'u-1',
  });
});

test('Job selector generation keeps user labels and skips manualSelector jobs', () => {
  const j = job({ selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'other' } }, template: { metadata: { labels: { 'job-name': 'mine' } } } });
  generateJobSelector(j);
  assert.equal(j.spec.selector.matchLabels['batch.kubernetes.io/controller-uid'], 'other');
  assert.equal(j.spec.template.metadata.labels['job-name'], 'mine');
  const manual = job({ manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: {} });
  generateJobSelector(manual);
  assert.deepEqual(manual.spec, { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: {} });
});
