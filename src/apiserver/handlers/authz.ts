// authorization.k8s.io/v1 SelfSubjectAccessReview: the create-only review `kubectl auth can-i` posts.
// Every authenticated user is a cluster admin (bearer token), so each well-formed review is allowed; the spec is
// echoed back as kube-apiserver does. Nothing is stored.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, FieldError } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import { parseBody } from '../decode.js';
import { readBody, sendJson } from '../http.js';
import type { RequestInfo } from '../requestinfo.js';
import { isDryRun } from './common.js';

export const ALLOWED_REASON = 'kubelite: bearer-token users are cluster administrators';

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Validates a SelfSubjectAccessReview body and returns its spec; throws ApiError 400/422 like upstream. */
export function reviewSpec(value: unknown, ri: ResourceInfo): JsonObject {
  const apiVersion = `${ri.group}/${ri.version}`;
  const cannot = `${ri.kind} in version "${ri.version}" cannot be handled as a ${ri.kind}`;
  if (!isObject(value)) throw ApiError.badRequest(`${cannot}: the body must be a JSON object`);
  if (value.kind !== undefined && value.kind !== '' && value.kind !== ri.kind) {
    throw ApiError.badRequest(`${cannot}: the kind in the data (${String(value.kind)}) does not match the expected kind (${ri.kind})`);
  }
  if (value.apiVersion !== undefined && value.apiVersion !== '' && value.apiVersion !== apiVersion) {
    throw ApiError.badRequest(`the API version in the data (${String(value.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
  if (value.metadata !== undefined && value.metadata !== null && !isObject(value.metadata)) {
    throw ApiError.badRequest(`${cannot}: metadata must be an object`);
  }
  const spec = value.spec ?? {};
  if (!isObject(spec)) throw ApiError.badRequest(`${cannot}: spec must be an object`);
  const hasResource = isObject(spec.resourceAttributes);
  const hasNonResource = isObject(spec.nonResourceAttributes);
  if (hasResource === hasNonResource) {
    const detail = hasResource ? 'cannot be specified in combination with resourceAttributes' : 'exactly one of nonResourceAttributes or resourceAttributes must be specified';
    const field = hasResource ? 'spec.nonResourceAttributes' : 'spec.resourceAttributes';
    throw ApiError.invalid(ri.kind, ri.group, '', [FieldError.invalid(field, hasResource ? spec.nonResourceAttributes : spec.resourceAttributes ?? null, detail)]);
  }
  return spec;
}

/** The reply to a review: metadata as sent (no name is required), the spec echoed, always allowed. */
export function reviewResponse(ri: ResourceInfo, value: JsonObject, spec: JsonObject): JsonObject {
  const metadata = isObject(value.metadata) ? { ...value.metadata } : {};
  if (!('creationTimestamp' in metadata)) metadata.creationTimestamp = null;
  return {
    kind: ri.kind,
    apiVersion: `${ri.group}/${ri.version}`,
    metadata,
    spec,
    status: { allowed: true, reason: ALLOWED_REASON },
  };
}

/** POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews. */
export async function handleAccessReview(req: IncomingMessage, res: ServerResponse, info: RequestInfo, ri: ResourceInfo): Promise<void> {
  if (info.namespace || info.subresource || info.name) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  }
  if (info.verb !== 'create') throw ApiError.methodNotAllowed();
  isDryRun(info.query); // validates dryRun values; a review has no side effects either way
  const body = await readBody(req);
  const { value } = parseBody(body, req.headers['content-type']);
  const spec = reviewSpec(value, ri);
  sendJson(res, 201, reviewResponse(ri, value as JsonObject, spec));
}
