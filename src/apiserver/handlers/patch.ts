// PATCH on an object or its status: JSON patch, merge patch, strategic merge patch and
// server-side apply (which creates the object when absent).
import { ApiError, FieldError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { gvkOf } from '../../api/resources.js';
import { readBody, mediaType } from '../http.js';
import { checkObject, fieldValidationOf, parseBody } from '../decode.js';
import { withoutMembers } from '../storedjson.js';
import { applyJsonPatch } from '../patch/jsonpatch.js';
import { applyMergePatch } from '../patch/mergepatch.js';
import { applyStrategicMergePatch } from '../patch/strategic.js';
import { serverSideApply } from '../patch/apply.js';
import type { RequestContext } from './context.js';
import { fieldManagerOf, isDryRun, namespaceMustExist, replyObject } from './common.js';
import { patchStatusText, statusTextApplies } from './statusjson.js';

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType {
  switch (mediaType(contentType)) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw ApiError.unsupportedMediaType(mediaType(contentType), PATCH_TYPES);
  }
}

/** Apply a non-apply patch to a plain object (kind-aware for strategic merge). */
export function applyPatchTo(ctx: RequestContext, type: Exclude<PatchType, 'apply'>, cur: KubeObject, patch: unknown): KubeObject {
  let out: unknown;
  if (type === 'json') out = applyJsonPatch(cur, patch);
  else if (type === 'merge') out = applyMergePatch(cur, patch);
  else out = applyStrategicMergePatch(gvkOf(ctx.ri), cur, patch);
  if (out === null || typeof out !== 'object' || Array.isArray(out)) throw ApiError.badRequest('the patch produced something other than an object');
  return out as KubeObject;
}

export async function handlePatch(ctx: RequestContext, subresource = ''): Promise<void> {
  const type = patchTypeOf(ctx.req.headers['content-type']);
  const body = await readBody(ctx.req);
  const q = ctx.info.query;
  const validation = fieldValidationOf(q);
  const dryRun = isDryRun(q);
  const gvk = gvkOf(ctx.ri);
  const { namespace, name } = ctx.info;
  const now = ctx.clock.nowRFC3339();
  if (type === 'apply') {
    const manager = q.get('fieldManager');
    if (!manager) {
      throw ApiError.invalid('PatchOptions', 'meta.k8s.io', '', [FieldError.required('fieldManager', 'is required for apply patch')]);
    }
    const force = q.get('force') === 'true';
    const { value, text } = parseBody(body, 'application/yaml');
    const { obj: applied, warnings } = checkObject(value, text, gvk, validation);
    ctx.warnings.push(...warnings);
    if (applied.metadata.name && applied.metadata.name !== name) {
      throw ApiError.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (ctx.ri.namespaced && applied.metadata.namespace && applied.metadata.namespace !== namespace) {
      throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    namespaceMustExist(ctx, !ctx.reg.tryGet(namespace, name), name);
    const { obj, created, json } = await ctx.reg.guaranteedUpdate(
      namespace,
      name,
      (cur) => {
        const merged = serverSideApply({ gvk, live: cur, applied: structuredClone(applied), manager, force, now, subresource: subresource || undefined });
        if (cur && merged.metadata.resourceVersion === cur.metadata.resourceVersion) merged.metadata = withoutMembers(merged.metadata, 'resourceVersion');
        return merged;
      },
      { createIfMissing: !subresource, dryRun, subresource },
    );
    replyObject(ctx, created ? 201 : 200, obj, json);
    return;
  }
  const { value: patch } = parseBody(body, 'application/json');
  const manager = fieldManagerOf(ctx);
  // the node agent's status patch as text when it is a plain one (statusjson.ts): the same answer
  if (subresource === 'status' && type === 'merge' && statusTextApplies(ctx, dryRun) && (await patchStatusText(ctx, patch, manager))) return;
  const { obj, json } = await ctx.reg.guaranteedUpdate(
    namespace,
    name,
    (cur) => {
      const base = cur!;
      const patched = applyPatchTo(ctx, type, base, patch);
      const { obj: checked, warnings } = checkObject(patched, undefined, gvk, validation);
      for (const w of warnings) if (!ctx.warnings.includes(w)) ctx.warnings.push(w);
      // a resourceVersion left unchanged by the patch is not a precondition
      if (checked.metadata.resourceVersion === base.metadata.resourceVersion) checked.metadata = withoutMembers(checked.metadata, 'resourceVersion');
      return checked;
    },
    // the patch engines never modify their input and share nothing with it (they clone it)
    { dryRun, subresource, manager, readOnlyCurrent: true },
  );
  replyObject(ctx, 200, obj, json);
}
