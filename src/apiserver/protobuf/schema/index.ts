// Builds the protobufjs Root holding every Kubernetes message we can decode.
import protobuf from 'protobufjs';
import { APPS_V1_PROTO } from './apps-v1.js';
import { AUTHORIZATION_V1_PROTO } from './authorization-v1.js';
import { BATCH_V1_PROTO } from './batch-v1.js';
import { CORE_V1_OBJECTS_PROTO } from './core-v1-objects.js';
import { CORE_V1_POD_PROTO } from './core-v1-pod.js';
import { META_V1_PROTO } from './meta-v1.js';
import { INTSTR_PROTO, RESOURCE_PROTO, RUNTIME_PROTO } from './runtime.js';

const SOURCES = [RUNTIME_PROTO, INTSTR_PROTO, RESOURCE_PROTO, META_V1_PROTO, CORE_V1_OBJECTS_PROTO, CORE_V1_POD_PROTO, APPS_V1_PROTO, BATCH_V1_PROTO, AUTHORIZATION_V1_PROTO];

/** Parses all schema sources into one resolved Root. Pure: each call returns a fresh Root. */
export function buildK8sRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const src of SOURCES) protobuf.parse(src, root, { keepCase: true });
  root.resolveAll();
  return root;
}

/** Fully-qualified protobuf message names of the well-known apimachinery types. */
export const WKT = {
  time: 'k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  microTime: 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime',
  fieldsV1: 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1',
  intOrString: 'k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  quantity: 'k8s.io.apimachinery.pkg.api.resource.Quantity',
  rawExtension: 'k8s.io.apimachinery.pkg.runtime.RawExtension',
  unknown: 'k8s.io.apimachinery.pkg.runtime.Unknown',
} as const;
