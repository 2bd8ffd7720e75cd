// OpenAPI v3 documents, one per group/version, in the shape kubectl 1.32 consumes:
// - apply/create/replace validation looks for a PATCH operation tagged with
//   x-kubernetes-group-version-kind (an object) that lists a `fieldValidation` query parameter
//   (operation-level parameters only, inline, not $ref);
// - client-side apply needs application/strategic-merge-patch+json in that PATCH requestBody and
//   takes merge keys from the components.schemas entry whose x-kubernetes-group-version-kind
//   (an array) matches;
// - `kubectl explain` renders the same components, following `allOf: [{$ref}]` links.
import { createHash } from 'node:crypto';
import { RESOURCES, type ResourceInfo, type SubresourceInfo } from '../api/resources.js';
import { allSchemas, closureOf, definitionNameForKind } from '../api/schema/index.js';
import type { GVK } from '../api/types.js';

export interface OpenApiDoc {
  body: string;
  hash: string;
}

export interface OpenApiV3 {
  /** JSON of {"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=H"},...}} */
  index(): string;
  /** The document of one group/version path ('api/v1', 'apis/apps/v1', ...). */
  doc(gvPath: string): OpenApiDoc | undefined;
}

type Json = Record<string, unknown>;
type Param = { name: string; in: 'path' | 'query'; description: string; required?: boolean; schema: Json };

/** Group/versions that get a document even though no resource of theirs is served. */
const EXTRA_GVS = [
  { group: 'autoscaling', version: 'v1' },
  { group: 'policy', version: 'v1' },
];
const REF = '#/components/schemas/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const JSON_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

const gvPath = (group: string, version: string): string => (group ? `apis/${group}/${version}` : `api/${version}`);

// ---- parameters --------------------------------------------------------------------------

const q = (name: string, type: string, description: string): Param => ({ name, in: 'query', description, schema: { type, uniqueItems: true } });
const P = {
  name: (kind: string): Param => ({ name: 'name', in: 'path', description: `name of the ${kind}`, required: true, schema: { type: 'string', uniqueItems: true } }),
  namespace: (): Param => ({ name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true, schema: { type: 'string', uniqueItems: true } }),
  pretty: q('pretty', 'string', "If 'true', the output is pretty printed."),
  dryRun: q('dryRun', 'string', 'When present ("All"), the request is fully processed but nothing is persisted.'),
  fieldManager: q('fieldManager', 'string', 'Name of the actor making the change, recorded in managedFields.'),
  fieldValidation: q(
    'fieldValidation',
    'string',
    'How to treat unknown or duplicate fields in the body: Ignore (drop silently), Warn (drop and return a warning header per field) or Strict (fail the request).',
  ),
  force: q('force', 'boolean', 'Apply requests only: take ownership of conflicting fields from other managers.'),
  list: [
    q('allowWatchBookmarks', 'boolean', 'Ask for BOOKMARK events on watches.'),
    q('continue', 'string', 'Continue token from a previous paged list.'),
    q('fieldSelector', 'string', 'Restrict results by field values, e.g. metadata.name=x.'),
    q('labelSelector', 'string', 'Restrict results by labels, e.g. app=web,tier!=db.'),
    q('limit', 'integer', 'Maximum number of items to return; page with continue.'),
    q('resourceVersion', 'string', 'Resource version constraint for the read.'),
    q('resourceVersionMatch', 'string', 'How resourceVersion is applied: Exact or NotOlderThan.'),
    q('sendInitialEvents', 'boolean', 'On watch, replay the current state as ADDED events first.'),
    q('timeoutSeconds', 'integer', 'Time limit for the list or watch call.'),
    q('watch', 'boolean', 'Stream changes instead of returning a list.'),
  ],
  delete: [
    q('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted; 0 means immediately.'),
    q('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean', 'Delete even if the stored object is unreadable (dangerous).'),
    q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy.'),
    q('propagationPolicy', 'string', 'Orphan, Background or Foreground deletion of dependents.'),
  ],
};

// ---- operations --------------------------------------------------------------------------

const content = (ref: string, types = JSON_TYPES): Json => Object.fromEntries(types.map((t) => [t, { schema: { $ref: REF + ref } }]));
const ok = (ref: string, codes: string[] = ['200']): Json =>
  Object.fromEntries([...codes.map((c) => [c, { description: c === '201' ? 'Created' : c === '202' ? 'Accepted' : 'OK', content: content(ref) }]), ['401', { description: 'Unauthorized' }]]);

function camelGroup(group: string): string {
  if (group === '') return 'Core';
  return group
    .split('.')[0]
    .split(/[-_]/)
    .map((s) => s[0].toUpperCase() + s.slice(1))
    .join('');
}
const cap = (s: string): string => s[0].toUpperCase() + s.slice(1);

interface OpCtx {
  ri: ResourceInfo;
  gvk: GVK;
  def: string;
  tag: string;
  idSuffix: string; // e.g. CoreV1NamespacedPodStatus
}

function op(ctx: OpCtx, verb: string, action: string, description: string, extra: Json): Json {
  return {
    tags: [ctx.tag],
    description,
    operationId: verb + ctx.idSuffix,
    ...extra,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: ctx.gvk.group, version: ctx.gvk.version, kind: ctx.gvk.kind },
  };
}

function itemOps(ctx: OpCtx, verbs: string[], what: string): Json {
  const out: Json = {};
  if (verbs.includes('get')) out.get = op(ctx, 'read', 'get', `read the specified ${what}`, { responses: ok(ctx.def) });
  if (verbs.includes('update'))
    out.put = op(ctx, 'replace', 'put', `replace the specified ${what}`, {
      parameters: [P.dryRun, P.fieldManager, P.fieldValidation],
      requestBody: { content: { '*/*': { schema: { $ref: REF + ctx.def } } }, required: true },
      responses: ok(ctx.def, ['200', '201']),
    });
  if (verbs.includes('patch'))
    out.patch = op(ctx, 'patch', 'patch', `partially update the specified ${what}`, {
      parameters: [P.dryRun, P.fieldManager, P.fieldValidation, P.force],
      requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { $ref: META + 'Patch' } }])), required: true },
      responses: ok(ctx.def, ['200', '201']),
    });
  return out;
}

function pathsFor(ri: ResourceInfo): Record<string, Json> {
  const gvk: GVK = { group: ri.group, version: ri.version, kind: ri.kind };
  const def = definitionNameForKind(gvk)!;
  const listDef = definitionNameForKind({ ...gvk, kind: ri.listKind })!;
  const tag = `${ri.group ? camelGroup(ri.group).toLowerCase() : 'core'}_${ri.version}`;
  const ns = ri.namespaced ? 'Namespaced' : '';
  const base = '/' + gvPath(ri.group, ri.version) + (ri.namespaced ? '/namespaces/{namespace}' : '');
  const gvId = camelGroup(ri.group) + cap(ri.version);
  const ctx: OpCtx = { ri, gvk, def, tag, idSuffix: `${gvId}${ns}${ri.kind}` };
  const scope = ri.namespaced ? [P.namespace()] : [];
  const paths: Record<string, Json> = {};

  // collection
  const coll: Json = { parameters: [...scope, P.pretty] };
  if (ri.verbs.includes('list'))
    coll.get = op(ctx, 'list', 'list', `list or watch objects of kind ${ri.kind}`, {
      parameters: P.list,
      responses: { '200': { description: 'OK', content: content(listDef, [...JSON_TYPES, 'application/json;stream=watch']) }, '401': { description: 'Unauthorized' } },
    });
  if (ri.verbs.includes('create'))
    coll.post = op(ctx, 'create', 'post', `create a ${ri.kind}`, {
      parameters: [P.dryRun, P.fieldManager, P.fieldValidation],
      requestBody: { content: { '*/*': { schema: { $ref: REF + def } } }, required: true },
      responses: ok(def, ['200', '201', '202']),
    });
  if (ri.verbs.includes('deletecollection'))
    coll.delete = op(ctx, 'deletecollection', 'deletecollection', `delete collection of ${ri.kind}`, {
      parameters: [...P.list, ...P.delete, P.dryRun],
      requestBody: { content: { '*/*': { schema: { $ref: REF + META + 'DeleteOptions' } } } },
      responses: ok(META + 'Status'),
    });
  paths[`${base}/${ri.resource}`] = coll;

  // item
  const item: Json = { parameters: [P.name(ri.kind), ...scope, P.pretty], ...itemOps(ctx, ri.verbs, ri.kind) };
  if (ri.verbs.includes('delete'))
    item.delete = op(ctx, 'delete', 'delete', `delete a ${ri.kind}`, {
      parameters: [P.dryRun, ...P.delete],
      requestBody: { content: { '*/*': { schema: { $ref: REF + META + 'DeleteOptions' } } } },
      responses: ok(def, ['200', '202']),
    });
  paths[`${base}/${ri.resource}/{name}`] = item;

  // all-namespaces list
  if (ri.namespaced && ri.verbs.includes('list'))
    paths[`/${gvPath(ri.group, ri.version)}/${ri.resource}`] = {
      parameters: [...P.list, P.pretty],
      get: op({ ...ctx, idSuffix: `${gvId}${ri.kind}ForAllNamespaces` }, 'list', 'list', `list or watch objects of kind ${ri.kind} in all namespaces`, {
        responses: { '200': { description: 'OK', content: content(listDef, [...JSON_TYPES, 'application/json;stream=watch']) }, '401': { description: 'Unauthorized' } },
      }),
    };

  for (const sub of ri.subresources) {
    const p = subresourcePath(ri, sub, ctx, scope);
    if (p) paths[`${base}/${ri.resource}/{name}/${sub.name}`] = p;
  }
  return paths;
}

function subresourcePath(ri: ResourceInfo, sub: SubresourceInfo, parent: OpCtx, scope: Param[]): Json | undefined {
  const subDef = definitionNameForKind(sub.kind);
  const ctx: OpCtx = { ...parent, gvk: sub.kind, def: subDef ?? '', idSuffix: parent.idSuffix + cap(sub.name) };
  const verbs = sub.verbs as string[];
  const params = [P.name(`${sub.kind.kind}`), ...scope, P.pretty];
  if (sub.name === 'status' || sub.name === 'scale') {
    if (!subDef) return undefined;
    return { parameters: params, ...itemOps(ctx, verbs, `${sub.name} of the ${ri.kind}`) };
  }
  if (sub.name === 'finalize' && subDef)
    return { parameters: params, put: itemOps(ctx, ['update'], `finalize of the ${ri.kind}`).put };
  if ((sub.name === 'binding' || sub.name === 'eviction') && subDef)
    return {
      parameters: params,
      post: op(ctx, 'create', 'post', `create ${sub.name} of a ${ri.kind}`, {
        parameters: [P.dryRun, P.fieldManager, P.fieldValidation],
        requestBody: { content: { '*/*': { schema: { $ref: REF + subDef } } }, required: true },
        responses: ok(subDef, ['200', '201', '202']),
      }),
    };
  // connect-style subresources (log, exec, attach, portforward): plain text / streams
  const text = { '200': { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } }, '401': { description: 'Unauthorized' } };
  const conn = (verb: string): Json => {
    const o = op(ctx, verb === 'get' && sub.name === 'log' ? 'read' : 'connect' + (verb === 'get' ? 'Get' : 'Post'), sub.name === 'log' ? 'get' : 'connect', `${sub.name} of a ${ri.kind}`, {
      responses: text,
    });
    o['x-kubernetes-group-version-kind'] = { group: ri.group, version: ri.version, kind: sub.name === 'log' ? ri.kind : sub.kind.kind };
    return o;
  };
  const out: Json = { parameters: params };
  if (verbs.includes('get')) out.get = conn('get');
  if (verbs.includes('create')) out.post = conn('post');
  return out;
}

// ---- documents ---------------------------------------------------------------------------

function buildDoc(group: string, version: string, resources: ResourceInfo[], schemas: Map<string, unknown>): Json {
  const paths: Record<string, Json> = {};
  const roots = new Set<string>([META + 'Status', META + 'DeleteOptions', META + 'WatchEvent', META + 'Patch']);
  for (const ri of resources) {
    Object.assign(paths, pathsFor(ri));
    for (const k of [ri.kind, ri.listKind]) {
      const n = definitionNameForKind({ group: ri.group, version: ri.version, kind: k });
      if (n) roots.add(n);
    }
    for (const s of ri.subresources) {
      const n = definitionNameForKind(s.kind);
      if (n) roots.add(n);
    }
  }
  for (const k of ['Scale', 'Eviction']) {
    const n = definitionNameForKind({ group, version, kind: k });
    if (n) roots.add(n);
  }
  const components: Record<string, unknown> = {};
  for (const n of closureOf(roots)) components[n] = schemas.get(n);
  components[META + 'Patch'] = {
    description: 'A patch document; its format is given by the request Content-Type (JSON patch, merge patch, strategic merge patch or apply configuration).',
    type: 'object',
  };
  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((k) => [k, paths[k]]));
  const sortedComponents = Object.fromEntries(Object.keys(components).sort().map((k) => [k, components[k]]));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: sortedPaths,
    components: {
      schemas: sortedComponents,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}

/** Upper-case hex SHA-512 of a document body (the ?hash= value). */
export function hashOf(body: string): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

/** Builds (once) every group/version document plus the discovery index. */
export function buildOpenApiV3(): OpenApiV3 {
  let cache: { index: string; docs: Map<string, OpenApiDoc> } | undefined;
  const compute = (): { index: string; docs: Map<string, OpenApiDoc> } => {
    if (cache) return cache;
    const schemas = allSchemas() as Map<string, unknown>;
    const gvs = new Map<string, { group: string; version: string; resources: ResourceInfo[] }>();
    for (const ri of RESOURCES) {
      const key = gvPath(ri.group, ri.version);
      if (!gvs.has(key)) gvs.set(key, { group: ri.group, version: ri.version, resources: [] });
      gvs.get(key)!.resources.push(ri);
    }
    for (const gv of EXTRA_GVS) if (!gvs.has(gvPath(gv.group, gv.version))) gvs.set(gvPath(gv.group, gv.version), { ...gv, resources: [] });
    const docs = new Map<string, OpenApiDoc>();
    const index: Record<string, { serverRelativeURL: string }> = {};
    for (const key of [...gvs.keys()].sort()) {
      const gv = gvs.get(key)!;
      const body = JSON.stringify(buildDoc(gv.group, gv.version, gv.resources, schemas));
      const hash = hashOf(body);
      docs.set(key, { body, hash });
      index[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
    }
    cache = { index: JSON.stringify({ paths: index }), docs };
    return cache;
  };
  return {
    index: () => compute().index,
    doc: (p: string) => compute().docs.get(p.replace(/^\/+|\/+$/g, '').replace(/^openapi\/v3\//, '')),
  };
}

/** Content type of the gnostic-protobuf OpenAPI v2 document kubectl asks for. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/**
 * An OpenAPI v2 document with no paths and no definitions: {swagger, info} only, as gnostic
 * protobuf (openapi_v2.Document) or JSON. kubectl falls back to v2 only for group/versions
 * missing from /openapi/v3, i.e. kinds this server does not serve; an empty document makes it
 * skip client-side validation for them and report the missing mapping as it does upstream
 * ("no matches for kind ...") instead of failing validation on a 404.
 */
export function openApiV2Stub(version: string, protobuf: boolean): Buffer {
  if (!protobuf) return Buffer.from(JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes', version }, paths: {} }));
  const field = (no: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([(no << 3) | 2, payload.length]), payload]);
  const info = Buffer.concat([field(1, Buffer.from('Kubernetes')), field(2, Buffer.from(version))]);
  return Buffer.concat([field(1, Buffer.from('2.0')), field(2, info)]);
}
