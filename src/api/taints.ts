// Taints and tolerations (k8s.io/api/core/v1 toleration.go semantics).

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: string;
}

export interface Toleration {
  readonly key: string;
  readonly operator: string;
  readonly value: string;
  readonly effect: string;
}

export const NO_SCHEDULE = 'NoSchedule';
export const PREFER_NO_SCHEDULE = 'PreferNoSchedule';
export const NO_EXECUTE = 'NoExecute';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

export function parseTaints(list: unknown): Taint[] {
  if (!Array.isArray(list)) return [];
  return list.map((t: { key?: string; value?: string; effect?: string }) => ({ key: t.key ?? '', value: t.value ?? '', effect: t.effect ?? '' }));
}

export function parseTolerations(list: unknown): Toleration[] {
  if (!Array.isArray(list)) return [];
  return list.map((t: { key?: string; operator?: string; value?: string; effect?: string }) => ({
    key: t.key ?? '',
    operator: t.operator ?? '',
    value: t.value ?? '',
    effect: t.effect ?? '',
  }));
}

/** Toleration.ToleratesTaint: an empty effect matches all effects, an empty key with Exists all keys. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== '' && t.key !== taint.key) return false;
  switch (t.operator) {
    case 'Exists':
      return true;
    case '':
    case 'Equal':
      return t.value === taint.value;
    default:
      return false;
  }
}

export function taintTolerated(taint: Taint, tolerations: readonly Toleration[]): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint passing `include` that no toleration tolerates. */
export function findUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  include: (t: Taint) => boolean,
): Taint | undefined {
  for (const taint of taints) {
    if (include(taint) && !taintTolerated(taint, tolerations)) return taint;
  }
  return undefined;
}

export const noScheduleOrNoExecute = (t: Taint): boolean => t.effect === NO_SCHEDULE || t.effect === NO_EXECUTE;
