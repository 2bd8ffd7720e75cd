// meta.k8s.io/v1 Table responses for kubectl get, built from the per-kind printers.
import type { KubeObject } from '../api/types.js';
import type { ResourceInfo } from '../api/resources.js';
import { tablePrinter } from './tables/index.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  const { managedFields: _mf, ...meta } = obj.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta };
}

export interface TableOptions {
  include: IncludeObject;
  withColumns: boolean;
  resourceVersion?: string;
  continueToken?: string;
  remaining?: number;
  nowMs: number;
}

export function buildTable(ri: ResourceInfo, objs: KubeObject[], o: TableOptions): Record<string, unknown> {
  const printer = tablePrinter(ri.kind, ri.group);
  const metadata: Record<string, unknown> = {};
  if (o.resourceVersion !== undefined) metadata.resourceVersion = o.resourceVersion;
  if (o.continueToken) metadata.continue = o.continueToken;
  if (o.remaining !== undefined) metadata.remainingItemCount = o.remaining;
  const rows = objs.map((obj) => {
    const row: Record<string, unknown> = { cells: printer.cells(obj, o.nowMs) };
    const ro = rowObject(obj, o.include);
    if (ro !== undefined) row.object = ro;
    return row;
  });
  const table: Record<string, unknown> = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata };
  if (o.withColumns) table.columnDefinitions = printer.columns;
  table.rows = rows;
  return table;
}
