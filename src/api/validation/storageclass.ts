// storage.k8s.io/v1 StorageClass: what upstream's ValidateStorageClass(Update) checks.
import { FieldError } from '../errors.js';
import type { KubeObject } from '../types.js';
import { deepEqual } from './podupdate.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isQualifiedName, nameIsDNSSubdomain } from './names.js';

const RECLAIM = ['Delete', 'Retain'];
const BINDING = ['Immediate', 'WaitForFirstConsumer'];

export function validateStorageClass(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, false, nameIsDNSSubdomain);
  const prov = obj.provisioner as unknown;
  if (typeof prov !== 'string' || prov === '') errs.push(FieldError.required('provisioner', ''));
  else for (const m of isQualifiedName(prov.toLowerCase())) errs.push(FieldError.invalid('provisioner', prov, m));
  const params = obj.parameters as unknown;
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) errs.push(FieldError.invalid('parameters', params, 'must be a map of strings'));
  if (obj.reclaimPolicy !== undefined && !RECLAIM.includes(obj.reclaimPolicy as string)) errs.push(FieldError.notSupported('reclaimPolicy', obj.reclaimPolicy, RECLAIM));
  if (obj.volumeBindingMode !== undefined && !BINDING.includes(obj.volumeBindingMode as string)) errs.push(FieldError.notSupported('volumeBindingMode', obj.volumeBindingMode, BINDING));
  if (old) {
    if (!deepEqual(obj.parameters ?? {}, old.parameters ?? {})) errs.push(FieldError.forbidden('parameters', 'updates to parameters are forbidden.'));
    if (obj.provisioner !== old.provisioner) errs.push(FieldError.forbidden('provisioner', 'updates to provisioner are forbidden.'));
    if (obj.reclaimPolicy !== old.reclaimPolicy) errs.push(FieldError.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    if (obj.volumeBindingMode !== old.volumeBindingMode) errs.push(FieldError.invalid('volumeBindingMode', obj.volumeBindingMode, 'field is immutable'));
  }
  return errs;
}
