// spec.podFailurePolicy (upstream pod_failure_policy.go): the first rule matching a failed pod
// decides. FailJob fails the whole Job (reason PodFailurePolicy, with a message naming the
// match), Ignore leaves the failure out of the backoffLimit count, Count counts it as usual,
// FailIndex (only with backoffLimitPerIndex; skipped otherwise) fails the pod's index.
import type { KubeObject } from '../../api/types.js';

interface ExitCodesRule {
  containerName?: string;
  operator?: 'In' | 'NotIn';
  values?: number[];
}

interface Rule {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
  onExitCodes?: ExitCodesRule;
  onPodConditions?: { type: string; status?: string }[];
}

interface ContainerStatus {
  name: string;
  state?: { terminated?: { exitCode?: number } };
}

export interface PolicyMatch {
  /** set when the Job must fail (a FailJob rule matched) */
  failJobMessage?: string;
  /** whether the failure counts against backoffLimit */
  countFailed: boolean;
  /** a FailIndex rule matched */
  failIndex?: boolean;
}

function matchingContainer(statuses: ContainerStatus[], req: ExitCodesRule): ContainerStatus | undefined {
  for (const s of statuses) {
    const code = s.state?.terminated?.exitCode;
    if (code === undefined || code === 0) continue; // still terminating, or a success
    if (req.containerName !== undefined && req.containerName !== s.name) continue;
    const listed = (req.values ?? []).includes(code);
    if (req.operator === 'In' ? listed : req.operator === 'NotIn' ? !listed : false) return s;
  }
  return undefined;
}

/** What the Job's podFailurePolicy says about a failed pod. */
export function matchPodFailurePolicy(job: KubeObject, pod: KubeObject): PolicyMatch {
  const rules = (job.spec?.podFailurePolicy?.rules ?? []) as Rule[];
  const ns = pod.metadata.namespace;
  const name = pod.metadata.name;
  for (const [index, rule] of rules.entries()) {
    let failMessage: string | undefined;
    if (rule.onExitCodes) {
      const st = (pod.status ?? {}) as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
      const c = matchingContainer(st.containerStatuses ?? [], rule.onExitCodes) ?? matchingContainer(st.initContainerStatuses ?? [], rule.onExitCodes);
      if (!c) continue;
      failMessage = `Container ${c.name} for pod ${ns}/${name} failed with exit code ${c.state!.terminated!.exitCode} matching FailJob rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const conds = (pod.status?.conditions ?? []) as { type: string; status: string }[];
      const cond = conds.find((pc) => rule.onPodConditions!.some((p) => p.type === pc.type && (p.status ?? 'True') === pc.status));
      if (!cond) continue;
      failMessage = `Pod ${ns}/${name} has condition ${cond.type} matching FailJob rule at index ${index}`;
    } else continue;
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false };
      case 'Count':
        return { countFailed: true };
      case 'FailJob':
        return { failJobMessage: failMessage, countFailed: true };
      case 'FailIndex':
        if (typeof job.spec?.backoffLimitPerIndex === 'number') return { countFailed: true, failIndex: true };
        continue;
      default:
        continue;
    }
  }
  return { countFailed: true };
}
