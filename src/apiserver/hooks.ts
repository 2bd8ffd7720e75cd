// The per-kind logic the registry needs from src/api (defaulting, validation, selectors)
// gathered in one place so the registry stays generic.
import type { FieldError } from '../api/errors.js';
import type { GVK, KubeObject } from '../api/types.js';
import { applyDefaults } from '../api/defaults/index.js';
import { validateObject } from '../api/validation/index.js';
import { parseLabelSelector } from '../api/labels.js';
import { parseFieldSelector, objectFields, validateFieldSelector } from '../api/fields.js';

export interface Selectors {
  label?: { matches(labels: Record<string, string> | undefined): boolean; isEmpty(): boolean };
  field?: { matches(fields: Record<string, string>): boolean };
}

export const kindHooks = {
  defaults(gvk: GVK, obj: KubeObject): void {
    applyDefaults(gvk, obj);
  },
  validate(gvk: GVK, obj: KubeObject, old?: KubeObject): FieldError[] {
    return validateObject(gvk, obj, old);
  },
  selectors(kind: string, labelSelector: string | null, fieldSelector: string | null): Selectors {
    const out: Selectors = {};
    if (labelSelector) {
      const sel = parseLabelSelector(labelSelector);
      if (!sel.isEmpty()) out.label = sel;
    }
    if (fieldSelector) {
      const fs = parseFieldSelector(fieldSelector);
      validateFieldSelector(kind, fs);
      out.field = fs;
    }
    return out;
  },
  fields(kind: string, obj: KubeObject): Record<string, string> {
    return objectFields(kind, obj);
  },
};
