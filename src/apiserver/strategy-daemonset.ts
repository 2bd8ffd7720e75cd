// The DaemonSet's template generation (upstream's internal spec.templateGeneration, which
// apps/v1 carries as the annotation deprecated.daemonset.template.generation): 1 on create,
// +1 whenever an update changes spec.template, never set by clients. The DaemonSet
// controller labels its pods with it (pod-template-generation).
import type { KubeObject } from '../api/types.js';
import { deepEqual } from './patch/json.js';

export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function setGeneration(obj: KubeObject, gen: number): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(gen) };
}

export function daemonSetTemplateGenerationOnCreate(obj: KubeObject): void {
  setGeneration(obj, 1);
}

export function daemonSetTemplateGenerationOnUpdate(obj: KubeObject, old: KubeObject): void {
  const prev = Number(old.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? 0);
  const base = Number.isInteger(prev) && prev > 0 ? prev : 1;
  setGeneration(obj, deepEqual(obj.spec?.template, old.spec?.template) ? base : base + 1);
}
