// Table column definitions and the printer contract shared by every kind.
import type { KubeObject } from '../../api/types.js';

/** One column of a meta.k8s.io/v1 Table (TableColumnDefinition). */
export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** Columns for a kind plus the function producing one row's cells (always all columns, wide included). */
export interface TablePrinter {
  columns: TableColumn[];
  cells(obj: KubeObject, nowMs: number): unknown[];
}

export interface ColumnOptions {
  format?: string;
  priority?: number;
}

export function column(name: string, type: string, description: string, opts: ColumnOptions = {}): TableColumn {
  return { name, type, format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

/** Shorthand for a -o wide only column. */
export function wide(name: string, type: string, description: string): TableColumn {
  return column(name, type, description, { priority: 1 });
}

export const NAME_COLUMN: TableColumn = column('Name', 'string', 'Unique name of the object within its namespace (or cluster, when cluster-scoped).', { format: 'name' });
export const AGE_COLUMN: TableColumn = column('Age', 'string', 'Time elapsed since the object was created.');
