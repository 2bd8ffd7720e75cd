import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { sendJson, sendRawJson, warningHeader } from '../http.js';
import { buildTable, includeObjectOf } from '../tablewriter.js';
import type { RequestContext } from './context.js';
import { wantsTable } from '../http.js';

export function isDryRun(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  for (const d of v) {
    if (d !== 'All') throw ApiError.badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  }
  return v.length > 0;
}

export function warningHeaders(ctx: RequestContext): Record<string, string[]> | undefined {
  if (!ctx.warnings.length) return undefined;
  return { Warning: ctx.warnings.map(warningHeader) };
}

/** Reply with one object, as a Table row when asked. */
export function replyObject(ctx: RequestContext, code: number, obj: KubeObject, json?: string): void {
  if (wantsTable(ctx.req.headers.accept)) {
    const t = buildTable(ctx.ri, [obj], {
      include: includeObjectOf(ctx.info.query),
      withColumns: true,
      resourceVersion: obj.metadata.resourceVersion,
      nowMs: ctx.clock.now(),
    });
    sendJson(ctx.res, code, t, warningHeaders(ctx));
    return;
  }
  sendRawJson(ctx.res, code, json ?? JSON.stringify(obj), warningHeaders(ctx));
}

export function namespaceMustExist(ctx: RequestContext, creating: boolean, name = ''): void {
  if (!ctx.ri.namespaced) return;
  const ns = ctx.info.namespace;
  if (!ns) throw ApiError.badRequest('the namespace of the object must be set');
  const nsReg = ctx.registries.get('', 'namespaces')!;
  const e = nsReg.tryGet('', ns);
  if (!e) throw ApiError.notFound({ group: '', resource: 'namespaces' }, ns);
  if (creating && e.obj.metadata.deletionTimestamp) {
    throw new ApiError(403, 'Forbidden', `${ctx.ri.resource} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, {
      causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
    });
  }
}

/** The field manager for non-apply writes: explicit, else derived from the user agent. */
export function fieldManagerOf(ctx: RequestContext): string {
  const fm = ctx.info.query.get('fieldManager');
  if (fm) {
    if (fm.length > 128) throw ApiError.badRequest('fieldManager: Too long: may not be longer than 128 characters');
    return fm;
  }
  const ua = ctx.req.headers['user-agent'] ?? 'unknown';
  return ua.split('/')[0]!.slice(0, 128) || 'unknown';
}
