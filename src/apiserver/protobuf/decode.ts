// Decodes a Kubernetes protobuf request body (`application/vnd.kubernetes.protobuf`) into a JSON-shaped object.
// Wire format: the 4 magic bytes "k8s\0", then a runtime.Unknown {typeMeta, raw, contentEncoding, contentType}
// whose `raw` is the object encoded per k8s.io/api generated.proto.
import protobuf from 'protobufjs';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { buildK8sRoot, WKT } from './schema/index.js';
import { messageToJson } from './to-json.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** "k8s\0": the prefix of every Kubernetes protobuf envelope. */
export const K8S_PROTOBUF_MAGIC: readonly number[] = [0x6b, 0x38, 0x73, 0x00];

/** apiVersion/kind → fully-qualified protobuf message name, for every kind we can decode. */
const KIND_MESSAGES: Readonly<Record<string, string>> = {
  'v1/Namespace': 'k8s.io.api.core.v1.Namespace',
  'v1/ConfigMap': 'k8s.io.api.core.v1.ConfigMap',
  'v1/Secret': 'k8s.io.api.core.v1.Secret',
  'v1/Service': 'k8s.io.api.core.v1.Service',
  'v1/Pod': 'k8s.io.api.core.v1.Pod',
  'v1/ServiceAccount': 'k8s.io.api.core.v1.ServiceAccount',
  'apps/v1/Deployment': 'k8s.io.api.apps.v1.Deployment',
  'batch/v1/Job': 'k8s.io.api.batch.v1.Job',
  'batch/v1/CronJob': 'k8s.io.api.batch.v1.CronJob',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
};

const ROOT: protobuf.Root = buildK8sRoot();
const UNKNOWN: protobuf.Type = ROOT.lookupType(WKT.unknown);

/** The apiVersion/kind pairs decodeK8sProtobuf accepts, e.g. `apps/v1/Deployment`. */
export function protobufKinds(): string[] {
  return Object.keys(KIND_MESSAGES);
}

/** True when `body` starts with the "k8s\0" magic prefix. */
export function hasK8sProtobufMagic(body: Uint8Array): boolean {
  return body.length >= K8S_PROTOBUF_MAGIC.length && K8S_PROTOBUF_MAGIC.every((b, i) => body[i] === b);
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function decodeEnvelope(body: Uint8Array): Envelope {
  if (!hasK8sProtobufMagic(body)) {
    throw ApiError.badRequest('protobuf request body does not start with the Kubernetes "k8s\\x00" magic prefix');
  }
  let msg: Record<string, unknown>;
  try {
    msg = UNKNOWN.decode(body.subarray(K8S_PROTOBUF_MAGIC.length)) as unknown as Record<string, unknown>;
  } catch (e) {
    throw ApiError.badRequest(`malformed protobuf request body: ${(e as Error).message}`);
  }
  const tm = (msg.typeMeta ?? {}) as Record<string, unknown>;
  const raw = msg.raw instanceof Uint8Array ? msg.raw : new Uint8Array(0);
  return { apiVersion: str(tm.apiVersion), kind: str(tm.kind), raw, contentEncoding: str(msg.contentEncoding) };
}

/**
 * Decodes a protobuf request body into the equivalent JSON-shaped object (apiVersion and kind taken from the
 * envelope's TypeMeta). Throws ApiError 400 for malformed bytes, 415 for kinds or encodings we cannot decode.
 */
export function decodeK8sProtobuf(body: Uint8Array): KubeObject {
  const env = decodeEnvelope(body);
  if (!env.apiVersion || !env.kind) {
    throw ApiError.badRequest('protobuf request body is missing apiVersion or kind in its type metadata');
  }
  if (env.contentEncoding) {
    throw ApiError.unsupportedMediaType(`${PROTOBUF_CONTENT_TYPE} (content encoding ${env.contentEncoding})`, ['application/json', 'application/yaml', PROTOBUF_CONTENT_TYPE]);
  }
  const messageName = KIND_MESSAGES[`${env.apiVersion}/${env.kind}`];
  if (!messageName) {
    throw ApiError.unsupportedMediaType(`${PROTOBUF_CONTENT_TYPE} (no protobuf decoder for ${env.apiVersion}, Kind=${env.kind})`, ['application/json', 'application/yaml']);
  }
  const type = ROOT.lookupType(messageName);
  let decoded: Record<string, unknown>;
  try {
    decoded = type.decode(env.raw) as unknown as Record<string, unknown>;
  } catch (e) {
    throw ApiError.badRequest(`malformed protobuf ${env.kind} object: ${(e as Error).message}`);
  }
  const json = messageToJson(type, decoded);
  const fields = json !== null && typeof json === 'object' && !Array.isArray(json) ? json : {};
  const metadata = (fields.metadata ?? {}) as KubeObject['metadata'];
  return { kind: env.kind, apiVersion: env.apiVersion, ...fields, metadata } as KubeObject;
}
