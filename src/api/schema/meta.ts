// Shared apimachinery definitions: object/list metadata, selectors, the scalar wrappers
// (Time, Quantity, IntOrString) and the request/response envelopes (Status, DeleteOptions).
import type { GVK } from '../types.js';
import {
  type Defs,
  type Schema,
  arrOf,
  bool,
  freeform,
  int32,
  int64,
  meta,
  MICRO_TIME,
  obj,
  INT_OR_STRING,
  QUANTITY,
  RAW_EXTENSION,
  ref,
  str,
  strMap,
  strs,
  TIME,
  time,
  typeMeta,
} from './dsl.js';

/** Group/versions whose documents carry the shared envelopes (DeleteOptions, WatchEvent). */
export const ENVELOPE_GVS: { group: string; version: string }[] = [
  { group: '', version: 'v1' },
  { group: 'apps', version: 'v1' },
  { group: 'autoscaling', version: 'v1' },
  { group: 'batch', version: 'v1' },
  { group: 'coordination.k8s.io', version: 'v1' },
  { group: 'discovery.k8s.io', version: 'v1' },
  { group: 'policy', version: 'v1' },
];

const envelopeGvks = (kind: string): GVK[] => ENVELOPE_GVS.map((gv) => ({ ...gv, kind }));

const objectMeta: Schema = obj('Metadata every persisted object carries: identity, labels, annotations, ownership and bookkeeping.', {
  annotations: strMap('Free-form key/value strings for tools and humans. Not used for selection.'),
  creationTimestamp: time('When the server created the object (UTC, RFC 3339). Set by the system; read-only.'),
  deletionGracePeriodSeconds: int64('Seconds the object is allowed to shut down gracefully once deletion is requested. Read-only.'),
  deletionTimestamp: time('When the object will be (or was asked to be) removed. Set by the server when a delete is requested; read-only.'),
  finalizers: strs('Keys that must all be removed before the object is actually deleted. Each names a controller that still has cleanup to do.', {
    strategy: 'merge',
    listType: 'set',
  }),
  generateName: str('Prefix used to generate a unique name when name is empty. The server appends a random suffix.'),
  generation: int64('Sequence number of the desired state, bumped by the server on spec changes. Read-only.'),
  labels: strMap('Key/value strings used to organize and select objects (by selectors in services, controllers and queries).'),
  managedFields: arrOf(meta('ManagedFieldsEntry'), 'Which manager owns which fields, as tracked by server-side apply. Normally not edited by users.', {
    listType: 'atomic',
  }),
  name: str('Name of the object, unique within its namespace (or cluster-wide for cluster-scoped kinds). Cannot be changed.'),
  namespace: str('Namespace the object lives in. Empty for cluster-scoped kinds; defaults to "default" for namespaced ones.'),
  ownerReferences: arrOf(meta('OwnerReference'), 'Objects this one depends on. When every owner is gone, the garbage collector removes this object.', {
    mergeKey: 'uid',
    strategy: 'merge',
    listType: 'map',
    mapKeys: ['uid'],
  }),
  resourceVersion: str('Opaque version token that changes on every write. Used for optimistic concurrency and watches. Read-only.'),
  selfLink: str('Deprecated and never set by the server.'),
  uid: str('Server-assigned unique identifier, never reused across the lifetime of the cluster. Read-only.'),
});

const listMeta: Schema = obj('Metadata of a list response.', {
  continue: str('Token to pass as ?continue= to fetch the next page. Empty when the list is complete.'),
  remainingItemCount: int64('Approximate number of items not yet returned, when paging with a limit.'),
  resourceVersion: str('Version of the collection at the time it was read; use it to start a watch.'),
  selfLink: str('Deprecated and never set by the server.'),
});

const ownerReference: Schema = obj(
  'Points at an owning object in the same namespace (or a cluster-scoped owner).',
  {
    apiVersion: str('API version of the owner.'),
    blockOwnerDeletion: bool('When true with foreground deletion, the owner is not removed until this object is.'),
    controller: bool('Marks the single owner that manages this object.'),
    kind: str('Kind of the owner.'),
    name: str('Name of the owner.'),
    uid: str('UID of the owner.'),
  },
  { required: ['apiVersion', 'kind', 'name', 'uid'], mapType: 'atomic' },
);

const managedFieldsEntry: Schema = obj('One manager\'s ownership record for a set of fields.', {
  apiVersion: str('API version the field set is expressed in.'),
  fieldsType: str('Format of fieldsV1. Only "FieldsV1" exists.'),
  fieldsV1: ref(meta('FieldsV1'), 'The owned fields, as a nested set.'),
  manager: str('Identifier of the workflow that owns these fields.'),
  operation: str('Kind of write that produced this entry: Apply or Update.'),
  subresource: str('Subresource the write went through, if any (e.g. status).'),
  time: time('When this entry last changed.'),
});

const labelSelector: Schema = obj(
  'Selects objects by labels. All conditions are ANDed; an empty selector matches everything, a missing one matches nothing.',
  {
    matchExpressions: arrOf(meta('LabelSelectorRequirement'), 'Set-based conditions on labels.', { listType: 'atomic' }),
    matchLabels: strMap('Labels that must be present with exactly these values.'),
  },
  { mapType: 'atomic' },
);

const labelSelectorRequirement: Schema = obj(
  'One set-based label condition.',
  {
    key: str('Label key the condition applies to.'),
    operator: str('How key relates to values: In, NotIn, Exists or DoesNotExist.'),
    values: strs('Values to compare with. Required for In/NotIn, must be empty for Exists/DoesNotExist.'),
  },
  { required: ['key', 'operator'] },
);

const deleteOptions: Schema = obj(
  'Options for a delete request.',
  {
    ...typeMeta(),
    dryRun: strs('When "All", run every stage of the request except persisting it.'),
    gracePeriodSeconds: int64('Seconds to wait before deletion. Zero means immediately; unset uses the type default.'),
    ignoreStoreReadErrorWithClusterBreakingPotential: bool('Delete even if the stored object cannot be read. Dangerous; needs extra permission.'),
    orphanDependents: bool('Deprecated: use propagationPolicy. When true, dependents are orphaned.'),
    preconditions: ref(meta('Preconditions'), 'Conditions that must hold for the delete to go ahead.'),
    propagationPolicy: str('How dependents are handled: Orphan, Background or Foreground.'),
  },
  { gvk: envelopeGvks('DeleteOptions') },
);

const status: Schema = obj(
  'Result of an operation that does not return an object, typically an error.',
  {
    ...typeMeta(),
    code: int32('HTTP status code of this result.'),
    details: ref(meta('StatusDetails'), 'Extra data about the failure, depending on reason.'),
    message: str('Human-readable explanation.'),
    metadata: ref(meta('ListMeta'), 'Standard list metadata.', { defaulted: true }),
    reason: str('Machine-readable reason, e.g. NotFound or AlreadyExists.'),
    status: str('Either "Success" or "Failure".'),
  },
  { gvk: [{ group: '', version: 'v1', kind: 'Status' }] },
);

const statusDetails: Schema = obj('Details about a failed operation.', {
  causes: arrOf(meta('StatusCause'), 'Individual problems, e.g. one per invalid field.', { listType: 'atomic' }),
  group: str('API group of the affected resource.'),
  kind: str('Kind of the affected resource.'),
  name: str('Name of the affected resource.'),
  retryAfterSeconds: int32('Suggested number of seconds before retrying.'),
  uid: str('UID of the affected resource.'),
});

const statusCause: Schema = obj('One reason an operation failed.', {
  field: str('Path of the offending field, if any (e.g. spec.containers[0].name).'),
  message: str('Human-readable description.'),
  reason: str('Machine-readable cause.'),
});

const watchEvent: Schema = obj(
  'One event on a watch stream.',
  {
    object: ref(RAW_EXTENSION, 'The object as of the event (or a Status for ERROR events).', { defaulted: true }),
    type: str('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'),
  },
  { required: ['type', 'object'], gvk: envelopeGvks('WatchEvent') },
);

/** apimachinery meta/v1 and scalar definitions. */
export const META_DEFS: Defs = {
  [meta('ObjectMeta')]: objectMeta,
  [meta('ListMeta')]: listMeta,
  [meta('OwnerReference')]: ownerReference,
  [meta('ManagedFieldsEntry')]: managedFieldsEntry,
  [meta('FieldsV1')]: { ...freeform('Set of fields in the structured-merge-diff format.') },
  [meta('LabelSelector')]: labelSelector,
  [meta('LabelSelectorRequirement')]: labelSelectorRequirement,
  [meta('DeleteOptions')]: deleteOptions,
  [meta('Preconditions')]: obj('Must match for an operation to proceed.', {
    resourceVersion: str('Required resourceVersion of the target.'),
    uid: str('Required UID of the target.'),
  }),
  [meta('Status')]: status,
  [meta('StatusDetails')]: statusDetails,
  [meta('StatusCause')]: statusCause,
  [meta('WatchEvent')]: watchEvent,
  [TIME]: { type: 'string', format: 'date-time', description: 'A timestamp in RFC 3339 form with second precision, e.g. 2024-01-02T15:04:05Z.' },
  [MICRO_TIME]: { type: 'string', format: 'date-time', description: 'A timestamp in RFC 3339 form with microsecond precision.' },
  [QUANTITY]: {
    oneOf: [{ type: 'string' }, { type: 'number' }],
    description:
      'A decimal amount with an optional suffix: binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (m, k, M, G, T, P, E) or an exponent (1e3). Examples: 500m, 1.5, 128Mi.',
  },
  [INT_OR_STRING]: { oneOf: [{ type: 'integer' }, { type: 'string' }], format: 'int-or-string', description: 'Either an integer or a string (e.g. a port number or a named port, a count or a percentage).' },
  [RAW_EXTENSION]: { ...freeform('An embedded object of any kind.') },
};
