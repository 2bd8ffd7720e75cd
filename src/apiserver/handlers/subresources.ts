// Subresources: status, scale, binding, eviction, and the node-proxied pod streams.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { labelSelectorToString } from '../../api/labels.js';
import { readBody, sendJson, successStatus } from '../http.js';
import { checkObject, fieldValidationOf, parseBody } from '../decode.js';
import type { RequestContext } from './context.js';
import { isDryRun } from './common.js';
import { handleGet, handleUpdate } from './resource.js';
import { handlePatch, patchTypeOf, applyPatchTo } from './patch.js';
import { proxyToNode } from './nodeproxy.js';
import { boundPod, boundPodStoredJson, boundPodStoredJsonAt, podLayoutOf } from './bindingjson.js';
import { storedJsonOfEntry } from '../watchcache.js';
import { kindHooks } from '../hooks.js';

export async function handleSubresource(ctx: RequestContext): Promise<void> {
  const sub = ctx.info.subresource;
  const known = ctx.ri.subresources.find((s) => s.name === sub);
  if (!known) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  switch (sub) {
    case 'status':
      if (ctx.info.verb === 'get') return handleGet(ctx);
      if (ctx.info.verb === 'update') return handleUpdate(ctx, 'status');
      if (ctx.info.verb === 'patch') return handlePatch(ctx, 'status');
      break;
    case 'scale':
      return handleScale(ctx);
    case 'binding':
      if (ctx.info.verb === 'create') return handleBinding(ctx);
      break;
    case 'eviction':
      if (ctx.info.verb === 'create') return handleEviction(ctx);
      break;
    case 'log':
    case 'exec':
    case 'attach':
    case 'portforward':
      if (ctx.ri.resource !== 'pods') break;
      return proxyToNode(ctx); // the pod's node's kubelet; upgrades arrive through proxyUpgradeToNode
    case 'finalize':
      if (ctx.info.verb === 'update') return handleUpdate(ctx, 'finalize');
      break;
  }
  throw ApiError.methodNotAllowed();
}

function toScale(ctx: RequestContext, obj: KubeObject): Record<string, unknown> {
  const sel = obj.spec?.selector;
  let selector = '';
  if (sel) selector = ctx.ri.kind === 'ReplicationController' ? Object.entries(sel as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',') : labelSelectorToString(sel);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector },
  };
}

async function handleScale(ctx: RequestContext): Promise<void> {
  const { namespace, name, verb } = ctx.info;
  if (verb === 'get') {
    sendJson(ctx.res, 200, toScale(ctx, ctx.reg.get(namespace, name).obj));
    return;
  }
  if (verb !== 'update' && verb !== 'patch') throw ApiError.methodNotAllowed();
  const body = await readBody(ctx.req);
  const dryRun = isDryRun(ctx.info.query);
  const scaleGvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  const { obj } = await ctx.reg.guaranteedUpdate(
    namespace,
    name,
    (cur) => {
      const scale = toScale(ctx, cur!) as KubeObject;
      let desired: KubeObject;
      if (verb === 'update') {
        desired = checkObject(parseBody(body, ctx.req.headers['content-type']).value, undefined, scaleGvk, fieldValidationOf(ctx.info.query)).obj;
      } else {
        const type = patchTypeOf(ctx.req.headers['content-type']);
        if (type === 'apply') throw ApiError.unsupportedMediaType('application/apply-patch+yaml', ['application/merge-patch+json', 'application/json-patch+json']);
        desired = applyPatchTo({ ...ctx, ri: { ...ctx.ri, kind: 'Scale', group: 'autoscaling' } }, type, scale, parseBody(body, 'application/json').value);
      }
      const replicas = desired.spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw new ApiError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
          name,
          group: 'autoscaling',
          kind: 'Scale',
          causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }],
        });
      }
      const next = cur!;
      next.spec = { ...next.spec, replicas };
      const rv = desired.metadata?.resourceVersion;
      if (rv && rv !== cur!.metadata.resourceVersion) next.metadata.resourceVersion = rv;
      else delete next.metadata.resourceVersion;
      return next;
    },
    { dryRun },
  );
  sendJson(ctx.res, 200, toScale(ctx, obj));
}

/** pods/NAME/binding, or the legacy bindings collection (the pod named by the body). */
export async function handleBinding(ctx: RequestContext): Promise<void> {
  const body = await readBody(ctx.req);
  const { value } = parseBody(body, ctx.req.headers['content-type']);
  const binding = value as { metadata?: { name?: string }; target?: { kind?: string; name?: string } };
  const namespace = ctx.info.namespace;
  const name = ctx.info.name || binding?.metadata?.name || '';
  if (!name) throw ApiError.badRequest('the binding must name the pod in metadata.name');
  const target = binding?.target?.name;
  if (!target) {
    throw new ApiError(422, 'Invalid', `Binding "${name}" is invalid: target.name: Required value`, {
      name,
      kind: 'Binding',
      causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }],
    });
  }
  if (binding.target?.kind && binding.target.kind !== 'Node') {
    throw ApiError.badRequest(`binding target kind must be Node, not ${binding.target.kind}`);
  }
  const dryRun = isDryRun(ctx.info.query);
  const now = ctx.clock.nowRFC3339();
  if (!dryRun && ctx.reg.ri.kind === 'Pod' && (await bindStored(ctx, namespace, name, target, now))) {
    sendJson(ctx.res, 201, successStatus());
    return;
  }
  await ctx.reg.guaranteedUpdate(
    namespace,
    name,
    (cur) => {
      // cur is the cached pod (read-only): the bound pod is a copy of the parts that change
      // (same members in the same order as changing a private copy in place would give)
      const pod = cur!;
      if (pod.metadata.deletionTimestamp) throw ApiError.conflict(ctx.reg.ref, name, 'pod is being deleted, cannot be assigned to a host');
      if (pod.spec?.nodeName) throw ApiError.conflict(ctx.reg.ref, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
      return boundPod(pod, target, now);
    },
    // a trusted binding write changes only metadata scalars of the object it is given
    { dryRun, trusted: true, subresource: 'binding', readOnlyCurrent: true },
  );
  sendJson(ctx.res, 201, successStatus());
}

/**
 * The binding as text (see bindingjson.ts): the stored pod with nodeName and PodScheduled
 * spliced in, its labels and fields from the cache entry; no parse or serialisation of the
 * whole pod. Retries conflicts as guaranteedUpdate does. False when the pod is not plainly
 * bindable (being deleted, bound already, gone): the object path then decides and answers.
 */
async function bindStored(ctx: RequestContext, namespace: string, name: string, target: string, now: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const cur = ctx.reg.tryGet(namespace, name);
    if (!cur || !cur.selectable) return false;
    const sel = cur.selectable((o) => kindHooks.fields('Pod', o));
    // the layout recorded when the entry's JSON was made, if it was (else scan the text)
    const layout = podLayoutOf(sel);
    const text = storedJsonOfEntry(cur);
    const stored = layout ? boundPodStoredJsonAt(text, layout, target, now) : boundPodStoredJson(text, target, now);
    if (stored === undefined) return false;
    try {
      await ctx.reg.updateStored(namespace, name, cur, stored, { labels: sel.labels, fields: { ...sel.fields, 'spec.nodeName': target } });
      return true;
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'Conflict') || attempt >= 8) throw err;
      await new Promise((r) => setTimeout(r, attempt * 5));
    }
  }
}

async function handleEviction(ctx: RequestContext): Promise<void> {
  const body = await readBody(ctx.req);
  const { value } = parseBody(body, ctx.req.headers['content-type']);
  const ev = (value ?? {}) as { deleteOptions?: Record<string, unknown> };
  const d = ev.deleteOptions ?? {};
  const grace = typeof d.gracePeriodSeconds === 'number' ? d.gracePeriodSeconds : undefined;
  const pre = d.preconditions as { uid?: string; resourceVersion?: string } | undefined;
  await ctx.reg.delete(ctx.info.namespace, ctx.info.name, { gracePeriodSeconds: grace, preconditions: pre, dryRun: isDryRun(ctx.info.query) });
  sendJson(ctx.res, 201, successStatus());
}
