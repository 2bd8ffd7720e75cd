// CRUD on a resource collection or item: get, list, create, update, delete, deletecollection.
import { ApiError, FieldError } from '../../api/errors.js';
import { allowCreateOnUpdate } from '../strategy.js';
import type { KubeObject } from '../../api/types.js';
import { gvkOf } from '../../api/resources.js';
import { readBody, sendJson, sendRawJson, successStatus, wantsTable } from '../http.js';
import { decodeObject, fieldValidationOf, parseBody } from '../decode.js';
import { withoutMembers } from '../storedjson.js';
import { buildTable, includeObjectOf } from '../tablewriter.js';
import type { RequestContext } from './context.js';
import { fieldManagerOf, isDryRun, namespaceMustExist, replyObject, warningHeaders } from './common.js';
import type { DeleteOptions } from '../registry.js';
import { statusTextApplies, putStatusText } from './statusjson.js';

export function handleGet(ctx: RequestContext): void {
  const e = ctx.reg.get(ctx.info.namespace, ctx.info.name);
  // the parsed object is only needed for a Table; the cached JSON is the reply otherwise
  if (!wantsTable(ctx.req.headers.accept)) sendRawJson(ctx.res, 200, e.json, warningHeaders(ctx));
  else replyObject(ctx, 200, e.obj, e.json);
}

export async function handleList(ctx: RequestContext): Promise<void> {
  // A list's resourceVersion must still be watchable: when this resource has been quiet
  // for longer than the store keeps history, move the cache up to the store's revision.
  if (ctx.reg.cache.rev < (await ctx.store.compactedRevision())) await ctx.reg.cache.syncToStore();
  const q = ctx.info.query;
  const limit = Number(q.get('limit') ?? '0');
  const rv = q.get('resourceVersion');
  const rvMatch = q.get('resourceVersionMatch');
  if (rvMatch && rvMatch !== 'NotOlderThan' && rvMatch !== 'Exact') {
    throw ApiError.badRequest(`resourceVersionMatch: Unsupported value: "${rvMatch}"`);
  }
  if (rvMatch === 'Exact' && rv && Number(rv) !== ctx.reg.cache.rev) {
    throw ApiError.gone(`too old resource version: ${rv} (${ctx.reg.cache.rev})`);
  }
  // resourceVersion=0 means "any recent state": upstream ignores limit then.
  const effectiveLimit = rv === '0' && !q.get('continue') ? 0 : limit;
  const page = ctx.reg.list({
    namespace: ctx.info.namespace,
    labelSelector: q.get('labelSelector'),
    fieldSelector: q.get('fieldSelector'),
    limit: effectiveLimit,
    continueToken: q.get('continue'),
  });
  const rvStr = String(page.rev);
  if (wantsTable(ctx.req.headers.accept)) {
    const t = buildTable(ctx.ri, page.entries.map((e) => e.objOnce()), {
      include: includeObjectOf(q),
      withColumns: true,
      resourceVersion: rvStr,
      continueToken: page.continueToken,
      remaining: page.remaining,
      nowMs: ctx.clock.now(),
    });
    sendJson(ctx.res, 200, t, warningHeaders(ctx));
    return;
  }
  const meta: Record<string, unknown> = { resourceVersion: rvStr };
  if (page.continueToken) meta.continue = page.continueToken;
  if (page.remaining !== undefined) meta.remainingItemCount = page.remaining;
  const apiVersion = ctx.ri.group ? `${ctx.ri.group}/${ctx.ri.version}` : ctx.ri.version;
  // items are pre-serialised in the cache: join them instead of re-encoding
  const json = `{"kind":"${ctx.ri.listKind}","apiVersion":"${apiVersion}","metadata":${JSON.stringify(meta)},"items":[${page.entries.map((e) => e.json).join(',')}]}`;
  sendRawJson(ctx.res, 200, json, warningHeaders(ctx));
}

export async function handleCreate(ctx: RequestContext): Promise<void> {
  const body = await readBody(ctx.req);
  const validation = fieldValidationOf(ctx.info.query);
  const dryRun = isDryRun(ctx.info.query);
  const { obj, warnings } = decodeObject(body, ctx.req.headers['content-type'], gvkOf(ctx.ri), validation);
  ctx.warnings.push(...warnings);
  namespaceMustExist(ctx, true, obj.metadata.name ?? '');
  const manager = fieldManagerOf(ctx);
  const created = await ctx.reg.createForReply(ctx.info.namespace, obj, { dryRun, manager });
  replyObject(ctx, 201, created.obj, created.json);
}

export async function handleUpdate(ctx: RequestContext, subresource = ''): Promise<void> {
  const body = await readBody(ctx.req);
  const validation = fieldValidationOf(ctx.info.query);
  const dryRun = isDryRun(ctx.info.query);
  // a pod's status write as text when it is a plain one (statusjson.ts): the same answer
  if (subresource === 'status' && statusTextApplies(ctx, dryRun) && (await putStatusText(ctx, body))) return;
  const { obj, warnings } = decodeObject(body, ctx.req.headers['content-type'], gvkOf(ctx.ri), validation);
  ctx.warnings.push(...warnings);
  const { namespace, name } = ctx.info;
  if (ctx.ri.namespaced && obj.metadata.namespace && obj.metadata.namespace !== namespace) {
    throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const manager = fieldManagerOf(ctx);
  const cur = ctx.reg.tryGet(namespace, name);
  if (!cur) {
    // PUT creates when the object is absent only for a few kinds (upstream AllowCreateOnUpdate)
    if (subresource || !allowCreateOnUpdate(ctx.ri)) throw ApiError.notFound(ctx.reg.ref, name);
    namespaceMustExist(ctx, true, name);
    if (!obj.metadata.name) obj.metadata.name = name;
    if (obj.metadata.name !== name) throw ApiError.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    obj.metadata = withoutMembers(obj.metadata, 'resourceVersion');
    replyObject(ctx, 201, await ctx.reg.create(namespace, obj, { dryRun, manager }));
    return;
  }
  // obj is the freshly decoded body, ours alone: updateForReply may use it without a copy
  const updated = await ctx.reg.updateForReply(namespace, name, obj, cur, { dryRun, subresource, manager }, true);
  replyObject(ctx, 200, updated.obj, updated.json);
}

// Every built-in kind accepts PUT without resourceVersion (upstream AllowUnconditionalUpdate
// is true for all of them, Deployments and ReplicaSets included): last writer wins.

export async function deleteOptionsOf(ctx: RequestContext): Promise<DeleteOptions> {
  const q = ctx.info.query;
  const opts: DeleteOptions = {};
  const body = await readBody(ctx.req);
  if (body.length > 0) {
    const { value } = parseBody(body, ctx.req.headers['content-type'] ?? 'application/json');
    if (value && typeof value === 'object') {
      const b = value as Record<string, any>;
      if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null) opts.gracePeriodSeconds = Number(b.gracePeriodSeconds);
      if (b.propagationPolicy) opts.propagationPolicy = String(b.propagationPolicy);
      if (b.orphanDependents === true) opts.propagationPolicy = 'Orphan';
      if (b.preconditions) opts.preconditions = b.preconditions;
      if (Array.isArray(b.dryRun) && b.dryRun.includes('All')) opts.dryRun = true;
    }
  }
  if (q.get('gracePeriodSeconds') !== null) opts.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
  if (q.get('propagationPolicy')) opts.propagationPolicy = q.get('propagationPolicy')!;
  if (isDryRun(q)) opts.dryRun = true;
  if (opts.gracePeriodSeconds !== undefined && (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
    opts.gracePeriodSeconds = opts.gracePeriodSeconds! < 0 ? 0 : Math.floor(opts.gracePeriodSeconds!);
  }
  const pp = opts.propagationPolicy;
  if (pp && !['Background', 'Foreground', 'Orphan'].includes(pp)) {
    throw ApiError.invalid('DeleteOptions', 'meta.k8s.io', '', [
      new FieldError('FieldValueNotSupported', 'propagationPolicy', pp, '', ['Foreground', 'Background', 'Orphan']),
    ]);
  }
  return opts;
}

export async function handleDelete(ctx: RequestContext): Promise<void> {
  const opts = await deleteOptionsOf(ctx);
  const { obj, removed } = await ctx.reg.delete(ctx.info.namespace, ctx.info.name, opts);
  if (ctx.ri.kind === 'Pod' || !removed) {
    replyObject(ctx, removed ? 200 : ctx.ri.kind === 'Pod' ? 200 : 202, obj);
    return;
  }
  sendJson(ctx.res, 200, successStatus({ name: ctx.info.name, group: ctx.ri.group, kind: ctx.ri.resource, uid: obj.metadata.uid }), warningHeaders(ctx));
}

export async function handleDeleteCollection(ctx: RequestContext): Promise<void> {
  const opts = await deleteOptionsOf(ctx);
  const q = ctx.info.query;
  const page = ctx.reg.list({ namespace: ctx.info.namespace, labelSelector: q.get('labelSelector'), fieldSelector: q.get('fieldSelector') });
  const deleted: KubeObject[] = [];
  for (const e of page.entries) {
    try {
      const ns = e.obj.metadata.namespace ?? '';
      deleted.push((await ctx.reg.delete(ns, e.obj.metadata.name!, opts)).obj);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
  const apiVersion = ctx.ri.group ? `${ctx.ri.group}/${ctx.ri.version}` : ctx.ri.version;
  sendJson(ctx.res, 200, { kind: ctx.ri.listKind, apiVersion, metadata: { resourceVersion: String(ctx.reg.cache.rev) }, items: deleted }, warningHeaders(ctx));
}
