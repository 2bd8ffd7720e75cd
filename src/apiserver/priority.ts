// Priority admission, as kube-apiserver's Priority plugin: a pod's spec.priority (and
// preemptionPolicy) come from its PriorityClass, or from the global default class.
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { SYSTEM_PRIORITY_CLASSES } from '../api/validation/scheduling.js';
import type { ResourceRegistry } from './registry.js';

export function admitPodPriority(pod: KubeObject, classes: ResourceRegistry): void {
  const spec = (pod.spec ??= {});
  const name = spec.priorityClassName as string | undefined;
  let value = 0;
  let policy = 'PreemptLowerPriority';
  let className = name;
  if (name) {
    const pc = classes.tryGet('', name)?.obj;
    if (!pc) {
      throw ApiError.forbidden(`pods "${pod.metadata.name ?? ''}" is forbidden: no PriorityClass with name ${name} was found`);
    }
    value = Number(pc.value ?? 0);
    policy = (pc.preemptionPolicy as string | undefined) ?? policy;
  } else {
    const def = classes.list({ namespace: '' }).entries.find((e) => e.obj.globalDefault === true)?.obj;
    if (def) {
      value = Number(def.value ?? 0);
      policy = (def.preemptionPolicy as string | undefined) ?? policy;
      className = def.metadata.name;
    }
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value) {
    throw ApiError.forbidden(
      `pods "${pod.metadata.name ?? ''}" is forbidden: the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`,
    );
  }
  spec.priority = value;
  if (className) spec.priorityClassName = className;
  if (spec.preemptionPolicy === undefined) spec.preemptionPolicy = policy;
}

/** The built-in classes every cluster has. */
export async function ensureSystemPriorityClasses(classes: ResourceRegistry): Promise<void> {
  for (const [name, value] of Object.entries(SYSTEM_PRIORITY_CLASSES)) {
    if (classes.tryGet('', name)) continue;
    try {
      await classes.create('', {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name },
        value,
        description: name === 'system-node-critical' ? 'Used for system critical pods that must not be moved from their current node.' : 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
        preemptionPolicy: 'PreemptLowerPriority',
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
    }
  }
}
