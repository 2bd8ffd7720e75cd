// Small core/v1 kinds: Namespace, ConfigMap, Secret, ServiceAccount, Event.
import { type Defs, arrOf, bool, core, int32, kind, mapOf, microTime, obj, oneOf, ref, str, strMap, strs, time } from './dsl.js';

/** core/v1 definitions for the small kinds. */
export const CORE_MISC_DEFS: Defs = {
  [core('Namespace')]: kind('v1', 'Namespace', 'A scope for names, policies and quotas.', {
    spec: ref(core('NamespaceSpec'), 'Desired state.', { defaulted: true }),
    status: ref(core('NamespaceStatus'), 'Observed state. Read-only.', { defaulted: true }),
  }),
  [core('NamespaceSpec')]: obj('Desired state of a namespace.', {
    finalizers: strs('Cleanups that must finish before the namespace is removed.'),
  }),
  [core('NamespaceStatus')]: obj('Observed state of a namespace.', {
    conditions: arrOf(core('NamespaceCondition'), 'Current conditions.', { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] }),
    phase: oneOf('Active or Terminating.', ['Active', 'Terminating']),
  }),
  [core('NamespaceCondition')]: obj(
    'One aspect of namespace state.',
    {
      lastTransitionTime: time('When status last changed.'),
      message: str('Human-readable details.'),
      reason: str('CamelCase reason.'),
      status: str('True, False or Unknown.'),
      type: str('Condition type.'),
    },
    { required: ['type', 'status'] },
  ),
  [core('ConfigMap')]: kind('v1', 'ConfigMap', 'Non-secret configuration data for pods to consume.', {
    binaryData: mapOf({ type: 'string', format: 'byte' }, 'Binary values, base64-encoded. Keys must not clash with data.'),
    data: strMap('UTF-8 values. Keys are letters, digits, "-", "_" or ".".'),
    immutable: bool('When true, data cannot change anymore (only deletion is possible).'),
  }),
  [core('Secret')]: kind('v1', 'Secret', 'Sensitive data such as passwords, tokens or keys.', {
    data: mapOf({ type: 'string', format: 'byte' }, 'Values, base64-encoded. Keys are letters, digits, "-", "_" or ".".'),
    immutable: bool('When true, data cannot change anymore (only deletion is possible).'),
    stringData: strMap('Write-only convenience: plain-text values merged into data on write. Never returned.'),
    type: str('How the data is meant to be used, e.g. Opaque or kubernetes.io/tls.'),
  }),
  [core('ServiceAccount')]: kind('v1', 'ServiceAccount', 'An identity for processes running in pods.', {
    automountServiceAccountToken: bool('Whether pods using this account get a token mounted by default.'),
    imagePullSecrets: arrOf(core('LocalObjectReference'), 'Registry credentials added to pods using this account.', { listType: 'atomic' }),
    secrets: arrOf(core('ObjectReference'), 'Secrets pods of this account may use (legacy token secrets).', {
      mergeKey: 'name',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['name'],
    }),
  }),
  [core('Event')]: kind(
    'v1',
    'Event',
    'A report of something that happened to an object.',
    {
      action: str('What was done, or failed to be done.'),
      count: int32('How many times it happened.'),
      eventTime: microTime('When it first happened (new-style events).'),
      firstTimestamp: time('When it was first recorded.'),
      involvedObject: ref(core('ObjectReference'), 'The object the event is about.', { defaulted: true }),
      lastTimestamp: time('When it was most recently recorded.'),
      message: str('Human-readable description.'),
      reason: str('Short CamelCase reason.'),
      related: ref(core('ObjectReference'), 'A second object involved, if any.'),
      reportingComponent: str('Controller that emitted the event.', { default: '' }),
      reportingInstance: str('Instance of that controller.', { default: '' }),
      series: ref(core('EventSeries'), 'Data about an ongoing series of the same event.'),
      source: ref(core('EventSource'), 'Component that reported it (legacy).', { defaulted: true }),
      type: str('Normal or Warning.'),
    },
    { required: ['metadata', 'involvedObject'] },
  ),
  [core('EventSeries')]: obj('A series of repeated events.', {
    count: int32('Occurrences so far.'),
    lastObservedTime: microTime('When the last one happened.'),
  }),
  [core('EventSource')]: obj('Who reported an event.', { component: str('Reporting component.'), host: str('Node name.') }),
};
