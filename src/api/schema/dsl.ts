// A compact DSL for writing OpenAPI v3 schemas in the shape the Kubernetes API server
// publishes them (named definitions under components.schemas, fields pointing at them
// with `allOf: [{$ref}]`), plus the Kubernetes vendor extensions kubectl reads.
import type { GVK } from '../types.js';

export type ListType = 'atomic' | 'set' | 'map';

/** The subset of OpenAPI v3 schema (plus Kubernetes extensions) that we emit. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: string[];
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  default?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: ListType;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-group-version-kind'?: GVK[];
  'x-kubernetes-unions'?: unknown[];
}

/** Named definitions, keyed by upstream-style name (io.k8s.api.core.v1.Pod). */
export type Defs = Record<string, Schema>;

export const REF_PREFIX = '#/components/schemas/';

// ---- definition names -------------------------------------------------------------

export const core = (n: string): string => `io.k8s.api.core.v1.${n}`;
export const apps = (n: string): string => `io.k8s.api.apps.v1.${n}`;
export const batch = (n: string): string => `io.k8s.api.batch.v1.${n}`;
export const meta = (n: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${n}`;

export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const TIME = meta('Time');
export const MICRO_TIME = meta('MicroTime');
export const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

/** Upstream definition-name package segment for an API group. */
export function groupPackage(group: string): string {
  if (group === '') return 'core';
  const i = group.indexOf('.');
  return i < 0 ? group : group.slice(0, i);
}

/** `io.k8s.api.<pkg>.<version>.<Kind>`: the definition name for a built-in kind. */
export function defNameFor(gvk: GVK): string {
  return `io.k8s.api.${groupPackage(gvk.group)}.${gvk.version}.${gvk.kind}`;
}

// ---- field builders -----------------------------------------------------------------

/** Extra knobs shared by field builders. */
export interface FieldOpts {
  enum?: string[];
  default?: unknown;
  format?: string;
}

function prim(type: Schema['type'], description: string, format?: string, o: FieldOpts = {}): Schema {
  const s: Schema = { type, description };
  const f = o.format ?? format;
  if (f) s.format = f;
  if (o.enum) s.enum = o.enum;
  if (o.default !== undefined) s.default = o.default;
  return s;
}

export const str = (d: string, o?: FieldOpts): Schema => prim('string', d, undefined, o);
export const int32 = (d: string, o?: FieldOpts): Schema => prim('integer', d, 'int32', o);
export const int64 = (d: string, o?: FieldOpts): Schema => prim('integer', d, 'int64', o);
export const bool = (d: string, o?: FieldOpts): Schema => prim('boolean', d, undefined, o);
export const num = (d: string): Schema => prim('number', d, 'double');
export const bytes = (d: string): Schema => prim('string', d, 'byte');
/** A string restricted to the given values (upstream publishes these as enums). */
export const oneOf = (d: string, values: string[], o: FieldOpts = {}): Schema => prim('string', d, undefined, { ...o, enum: values });

/** A field whose type is a named definition, wrapped the way upstream does it. */
export function ref(name: string, d: string, o: { defaulted?: boolean } = {}): Schema {
  const s: Schema = { allOf: [{ $ref: REF_PREFIX + name }], description: d };
  if (o.defaulted) s.default = {};
  return s;
}

/** Item or map-value schema pointing at a named definition. */
export function refItem(name: string): Schema {
  return { allOf: [{ $ref: REF_PREFIX + name }], default: {} };
}

export const time = (d: string): Schema => ref(TIME, d);
export const microTime = (d: string): Schema => ref(MICRO_TIME, d);
export const quantity = (d: string): Schema => ref(QUANTITY, d);
export const intOrString = (d: string): Schema => ref(INT_OR_STRING, d);

/** List-related extensions for arrays. */
export interface ListOpts {
  mergeKey?: string;
  strategy?: string;
  listType?: ListType;
  mapKeys?: string[];
}

function listExt(s: Schema, o: ListOpts): Schema {
  if (o.mergeKey) s['x-kubernetes-patch-merge-key'] = o.mergeKey;
  if (o.strategy) s['x-kubernetes-patch-strategy'] = o.strategy;
  if (o.listType) s['x-kubernetes-list-type'] = o.listType;
  if (o.mapKeys) s['x-kubernetes-list-map-keys'] = o.mapKeys;
  return s;
}

/** An array of the given item schema. */
export const arr = (items: Schema, d: string, o: ListOpts = {}): Schema => listExt({ type: 'array', description: d, items }, o);
/** An array of named definitions. */
export const arrOf = (name: string, d: string, o: ListOpts = {}): Schema => arr(refItem(name), d, o);
/** An atomic array of strings. */
export const strs = (d: string, o: ListOpts = { listType: 'atomic' }): Schema => arr({ type: 'string', default: '' }, d, o);
/** A merge-by-name list of named definitions (containers, volumes, env...). */
export const namedList = (name: string, d: string, key = 'name', strategy = 'merge'): Schema =>
  arrOf(name, d, { mergeKey: key, strategy, listType: 'map', mapKeys: [key] });

/** A map from string keys to the given value schema. */
export const mapOf = (value: Schema, d: string): Schema => ({ type: 'object', description: d, additionalProperties: value });
export const strMap = (d: string): Schema => mapOf({ type: 'string', default: '' }, d);
export const quantityMap = (d: string): Schema => mapOf({ $ref: REF_PREFIX + QUANTITY }, d);

/** An object whose content is not described (anything is accepted). */
export const freeform = (d: string): Schema => ({ type: 'object', description: d, 'x-kubernetes-preserve-unknown-fields': true });

// ---- definitions ---------------------------------------------------------------------

export interface ObjOpts {
  required?: string[];
  gvk?: GVK[];
  mapType?: 'atomic' | 'granular';
}

/** A named object definition. */
export function obj(d: string, properties: Record<string, Schema>, o: ObjOpts = {}): Schema {
  const s: Schema = { description: d, type: 'object', properties };
  if (o.required?.length) s.required = [...o.required].sort();
  if (o.mapType) s['x-kubernetes-map-type'] = o.mapType;
  if (o.gvk) s['x-kubernetes-group-version-kind'] = o.gvk;
  return s;
}

const gvkOf = (apiVersion: string, kind: string): GVK => {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion, kind } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1), kind };
};

/** The apiVersion/kind/metadata header every top-level object starts with. */
export function typeMeta(): Record<string, Schema> {
  return {
    apiVersion: str('Versioned schema of this object (group/version). The server may convert objects to the version it prefers.'),
    kind: str('The REST resource type this object represents, in CamelCase. Derived from the endpoint; cannot be updated.'),
  };
}

/**
 * A top-level kind: apiVersion, kind, metadata plus the given fields (typically spec/status).
 * apiVersion is `group/version` or just `v1` for core.
 */
export function kind(apiVersion: string, kindName: string, d: string, fields: Record<string, Schema>, o: { required?: string[] } = {}): Schema {
  return obj(
    d,
    { ...typeMeta(), metadata: ref(meta('ObjectMeta'), 'Standard object metadata: name, namespace, labels, annotations and so on.', { defaulted: true }), ...fields },
    { required: o.required, gvk: [gvkOf(apiVersion, kindName)] },
  );
}

/** The `<Kind>List` definition wrapping items of the named definition. */
export function listKind(apiVersion: string, kindName: string, itemDef: string, what: string): Schema {
  return obj(
    `A list of ${what}.`,
    {
      ...typeMeta(),
      items: arrOf(itemDef, `The ${what} in this list.`),
      metadata: ref(meta('ListMeta'), 'List metadata: resourceVersion and continue token.', { defaulted: true }),
    },
    { required: ['items'], gvk: [gvkOf(apiVersion, kindName + 'List')] },
  );
}

/** Strip the component prefix from a `$ref`. */
export function refName(r: string): string {
  return r.startsWith(REF_PREFIX) ? r.slice(REF_PREFIX.length) : r;
}

/** The definition name a field schema points at (via `$ref` or `allOf: [{$ref}]`), if any. */
export function targetOf(s: Schema): string | undefined {
  if (s.$ref) return refName(s.$ref);
  if (s.allOf && s.allOf.length === 1 && s.allOf[0].$ref) return refName(s.allOf[0].$ref);
  return undefined;
}
