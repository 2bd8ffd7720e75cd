// DaemonSet status (upstream updateDaemonSetStatus + storeDaemonSetStatus): per eligible node,
// whether it has a daemon pod, whether the oldest one is ready, available and up to date.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import { isPodAvailable, isPodReady } from '../runtime/objects.js';
import { daemonPodSpec, nodeShouldRunDaemonPod } from './placement.js';
import { byCreationAndPhase, isPodUpdated, templateGeneration } from './util.js';

export interface DaemonSetCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

const OMIT_WHEN_ZERO = ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'] as const;

export function calculateCounts(ds: KubeObject, nodes: KubeObject[], byNode: Map<string, KubeObject[]>, hash: string, now: number): DaemonSetCounts {
  const c: DaemonSetCounts = {
    desiredNumberScheduled: 0,
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
  };
  const spec = daemonPodSpec(ds);
  const minReady = Number(ds.spec?.minReadySeconds ?? 0);
  const gen = templateGeneration(ds);
  for (const node of nodes) {
    const pods = byNode.get(node.metadata.name!) ?? [];
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds, spec);
    if (!shouldRun) {
      if (pods.length > 0) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    if (pods.length === 0) continue;
    c.currentNumberScheduled++;
    const pod = [...pods].sort(byCreationAndPhase)[0]!;
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, minReady, now)) c.numberAvailable++;
    }
    if (isPodUpdated(pod, hash, gen)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

/**
 * Write the counts (and observedGeneration when this sync acted on the current generation),
 * unless nothing changed; a conflict re-reads the DaemonSet and tries again.
 */
export async function storeStatus(client: RestClient, ds: KubeObject, c: DaemonSetCounts, observe: boolean): Promise<void> {
  const st = (ds.status ?? {}) as Record<string, unknown>;
  const gen = ds.metadata.generation ?? 0;
  const same = (Object.keys(c) as (keyof DaemonSetCounts)[]).every((k) => Number(st[k] ?? 0) === c[k]);
  // without observe, a write could only repeat the same counts
  if (same && (!observe || Number(st.observedGeneration ?? 0) >= gen)) return;
  const path = `/apis/apps/v1/namespaces/${ds.metadata.namespace}/daemonsets/${ds.metadata.name}`;
  let cur = ds;
  for (let attempt = 0; ; attempt++) {
    const status: Record<string, unknown> = { ...(cur.status ?? {}), ...c };
    // omitempty in the API: zero is not written
    for (const k of OMIT_WHEN_ZERO) if (status[k] === 0) delete status[k];
    if (observe) status.observedGeneration = gen;
    try {
      await client.json('PUT', `${path}/status`, { ...cur, status });
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= 1) throw err;
      cur = await client.json<KubeObject>('GET', path);
    }
  }
}
