// The event recorder's spam filter (client-go's EventSourceObjectSpamFilter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { silentLogger } from '../util/logger.js';
import { EventRecorder } from './events.js';

test('events: at most 25 per object, one more every 5 minutes; other objects unaffected', async () => {
  const t = { now: Date.parse('2026-01-01T00:00:00Z') };
  const clock = { now: () => t.now, nowRFC3339: () => new Date(t.now).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  const posts: string[] = [];
  const sink = { json: async <T>(method: string, _path: string, body?: unknown): Promise<T> => {
    if (method === 'POST') posts.push((body as { involvedObject: { name: string } }).involvedObject.name);
    return undefined as T;
  } };
  const rec = new EventRecorder(sink, 'test', clock, silentLogger());
  const rs: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'ns', uid: 'u1' } };
  const other: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'other', namespace: 'ns', uid: 'u2' } };
  for (let i = 0; i < 30; i++) await rec.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: rs-${i}`);
  assert.equal(posts.length, 25);
  assert.equal(rec.filtered, 5);
  await rec.event(other, 'Normal', 'SuccessfulCreate', 'Created pod: other-0');
  assert.equal(posts.at(-1), 'other');
  t.now += 5 * 60 * 1000;
  await rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: rs-30');
  await rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: rs-31');
  assert.deepEqual(posts.slice(-2), ['other', 'rs'], 'one token back after 5 minutes');
});
