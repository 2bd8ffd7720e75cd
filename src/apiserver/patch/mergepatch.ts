// RFC 7386 JSON merge patch, as applied by kube-apiserver (evanphx/json-patch MergePatch):
// objects merge recursively, null deletes, anything else replaces. Like upstream, nulls are
// also pruned from objects nested inside inserted values (including objects inside arrays).
// A patch that is null or a scalar is rejected with 400 "Invalid JSON Patch".
import { ApiError } from '../../api/errors.js';
import { clone, isObject, type JsonObject } from './json.js';

function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === null ? null : pruneNulls(x)));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = pruneNulls(x);
    return out;
  }
  return v;
}

function mergeDocs(doc: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...doc };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    out[k] = isObject(cur) && isObject(v) ? mergeDocs(cur, v) : pruneNulls(v);
  }
  return out;
}

/** Apply an RFC 7386 merge patch (already JSON-decoded) to `doc`; returns a new document. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return pruneNulls(patch);
  if (!isObject(patch)) throw ApiError.badRequest('Invalid JSON Patch');
  if (!isObject(doc)) return pruneNulls(patch);
  return mergeDocs(clone(doc), patch);
}
