// Field paths and field sets in the managedFields FieldsV1 encoding
// (sigs.k8s.io/structured-merge-diff): path elements are `f:<name>`, `k:<json of key fields>`,
// `v:<json value>`, `i:<index>`. A FieldsV1 object nests elements; `".": {}` marks an element that
// is itself a member of the set while also having children.
import { isObject, sortedJson, type JsonObject } from './json.js';

/** An encoded path element, e.g. `f:spec` or `k:{"name":"main"}`. */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

export const fieldPE = (name: string): PathElement => `f:${name}`;
export const keyPE = (key: Record<string, unknown>): PathElement => `k:${sortedJson(key)}`;
export const valuePE = (v: unknown): PathElement => `v:${sortedJson(v)}`;
export const indexPE = (i: number): PathElement => `i:${i}`;

const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Structured-merge-diff element order: field names, then keys, then values, then indexes. */
export function comparePE(a: PathElement, b: PathElement): number {
  const ra = RANK[a[0]] ?? 4;
  const rb = RANK[b[0]] ?? 4;
  if (ra !== rb) return ra - rb;
  if (a[0] === 'i' && b[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

function valueString(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : sortedJson(v);
}

/** Human form used in conflict messages: `.spec.containers[name="main"].image`. */
export function pathToString(path: FieldPath): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as JsonObject;
          return `[${Object.keys(key).sort().map((k) => `${k}=${valueString(key[k])}`).join(',')}]`;
        }
        case 'v':
          return `[=${valueString(JSON.parse(body))}]`;
        case 'i':
          return `[${body}]`;
        default:
          return '{{invalid path element}}';
      }
    })
    .join('');
}

interface Node {
  member: boolean;
  children: Map<PathElement, Node>;
}

const newNode = (): Node => ({ member: false, children: new Map() });

/** An immutable-by-convention set of field paths. */
export class FieldSet {
  private readonly root: Node = newNode();

  static of(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insertMut(p);
    return s;
  }

  private insertMut(path: FieldPath): void {
    if (path.length === 0) return;
    let n = this.root;
    for (const pe of path) {
      let c = n.children.get(pe);
      if (!c) n.children.set(pe, (c = newNode()));
      n = c;
    }
    n.member = true;
  }

  private find(path: FieldPath): Node | undefined {
    let n: Node | undefined = this.root;
    for (const pe of path) {
      n = n.children.get(pe);
      if (!n) return undefined;
    }
    return n;
  }

  has(path: FieldPath): boolean {
    return this.find(path)?.member === true;
  }

  /** True when `path` is a member or a prefix of a member. */
  hasPrefix(path: FieldPath): boolean {
    const n = this.find(path);
    return n !== undefined && (n.member || n.children.size > 0);
  }

  isEmpty(): boolean {
    return this.root.children.size === 0;
  }

  /** All member paths, in structured-merge-diff order. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (n: Node, prefix: PathElement[]): void => {
      for (const pe of [...n.children.keys()].sort(comparePE)) {
        const c = n.children.get(pe) as Node;
        const p = [...prefix, pe];
        if (c.member) out.push(p);
        walk(c, p);
      }
    };
    walk(this.root, []);
    return out;
  }

  union(o: FieldSet): FieldSet {
    return FieldSet.of([...this.paths(), ...o.paths()]);
  }
  difference(o: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => !o.has(p)));
  }
  intersection(o: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => o.has(p)));
  }
  filter(pred: (p: FieldPath) => boolean): FieldSet {
    return FieldSet.of(this.paths().filter(pred));
  }
  equals(o: FieldSet): boolean {
    const a = this.paths();
    const b = o.paths();
    return a.length === b.length && a.every((p) => o.has(p));
  }

  /** FieldsV1 JSON object. */
  toFieldsV1(): JsonObject {
    const enc = (n: Node): JsonObject => {
      const out: JsonObject = {};
      if (n.member && n.children.size > 0) out['.'] = {};
      for (const pe of [...n.children.keys()].sort(comparePE)) out[pe] = enc(n.children.get(pe) as Node);
      return out;
    };
    return enc(this.root);
  }

  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    const dec = (o: unknown, prefix: PathElement[]): void => {
      if (!isObject(o)) return;
      const keys = Object.keys(o);
      if (prefix.length > 0 && (keys.length === 0 || keys.includes('.'))) s.insertMut(prefix);
      for (const k of keys) if (k !== '.') dec(o[k], [...prefix, k]);
    };
    dec(v, []);
    return s;
  }
}
