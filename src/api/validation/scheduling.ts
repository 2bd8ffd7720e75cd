// scheduling.k8s.io/v1 PriorityClass.
import { FieldError } from '../errors.js';
import type { KubeObject } from '../types.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';

/** The highest priority a user-defined class may have; higher ones are for system classes. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
export const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  'system-node-critical': SYSTEM_CRITICAL_PRIORITY + 1000,
  'system-cluster-critical': SYSTEM_CRITICAL_PRIORITY,
};

export function validatePriorityClass(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, false, nameIsDNSSubdomain);
  const name = obj.metadata.name ?? '';
  const value = obj.value as unknown;
  if (value === undefined || value === null) errs.push(FieldError.required('value'));
  else if (typeof value !== 'number' || !Number.isInteger(value)) errs.push(FieldError.invalid('value', value, 'must be an integer'));
  else if (name in SYSTEM_PRIORITY_CLASSES) {
    if (value !== SYSTEM_PRIORITY_CLASSES[name]) errs.push(FieldError.forbidden('metadata.name', `${name} is a system priority class and its value must be ${SYSTEM_PRIORITY_CLASSES[name]}`));
  } else {
    if (name.startsWith('system-')) errs.push(FieldError.forbidden('metadata.name', 'priority class names with \'system-\' prefix are reserved'));
    if (value > HIGHEST_USER_DEFINABLE_PRIORITY) errs.push(FieldError.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  const pp = obj.preemptionPolicy as unknown;
  if (pp !== undefined && pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(FieldError.notSupported('preemptionPolicy', pp, ['Never', 'PreemptLowerPriority']));
  if (old) {
    if (old.value !== obj.value) errs.push(FieldError.forbidden('value', 'may not be changed in an update.'));
    if ((old.preemptionPolicy ?? 'PreemptLowerPriority') !== (obj.preemptionPolicy ?? 'PreemptLowerPriority')) errs.push(FieldError.invalid('preemptionPolicy', obj.preemptionPolicy, 'field is immutable'));
  }
  return errs;
}
