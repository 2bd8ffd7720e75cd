// Field paths and field sets in the managedFields FieldsV1 encoding
// (sigs.k8s.io/structured-merge-diff): path elements are `f:<name>`, `k:<json of key fields>`,
// `v:<json value>`, `i:<index>`. A FieldsV1 object nests elements; `".": {}` marks an element that
// is itself a member of the set while also having children.
import { isObject, sortedJson, type JsonObject } from './json.js';

/** An encoded path element, e.g. `f:spec` or `k:{"name":"main"}`. */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

export const fieldPE = (name: string): PathElement => `f:${name}`;

// f:<name> elements of fields of known structs, made once: reusing one string per element lets
// V8 use its caches when the element becomes an object key (FieldsV1) instead of hashing a fresh
// string each time. Only struct fields come here (not label names or other map keys), and the
// cache has a hard bound.
const structFieldPEs = new Map<string, PathElement>();

/** fieldPE for a field of a known struct (same value, shared string). */
export function structFieldPE(name: string): PathElement {
  let pe = structFieldPEs.get(name);
  if (pe === undefined) {
    pe = fieldPE(name);
    if (structFieldPEs.size < 4096) structFieldPEs.set(name, pe);
  }
  return pe;
}
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

/** A trie node. Invariant: every node reachable from a root is a member or has children. */
export interface Node {
  member: boolean;
  children: Map<PathElement, Node>;
}

export const newNode = (): Node => ({ member: false, children: new Map() });

const sortedKeys = (n: Node): PathElement[] => {
  const keys = [...n.children.keys()];
  if (keys.length > 1) keys.sort(comparePE);
  return keys;
};

/** Union of two tries (shares unchanged subtrees: sets are immutable once built). */
function unionNode(a: Node, b: Node): Node {
  if (b.children.size === 0 && (!b.member || a.member)) return a;
  if (a.children.size === 0 && (!a.member || b.member)) return b;
  const out: Node = { member: a.member || b.member, children: new Map(a.children) };
  for (const [pe, bc] of b.children) {
    const ac = out.children.get(pe);
    out.children.set(pe, ac ? unionNode(ac, bc) : bc);
  }
  return out;
}

/** Members of a not in b (b may be undefined); undefined when the result is empty. */
function differenceNode(a: Node, b: Node | undefined): Node | undefined {
  if (!b) return a;
  const out: Node = { member: a.member && !b.member, children: new Map() };
  for (const [pe, ac] of a.children) {
    const c = differenceNode(ac, b.children.get(pe));
    if (c) out.children.set(pe, c);
  }
  return out.member || out.children.size > 0 ? out : undefined;
}

function intersectionNode(a: Node, b: Node): Node | undefined {
  const out: Node = { member: a.member && b.member, children: new Map() };
  const [small, large] = a.children.size <= b.children.size ? [a, b] : [b, a];
  for (const [pe, sc] of small.children) {
    const lc = large.children.get(pe);
    if (!lc) continue;
    const c = small === a ? intersectionNode(sc, lc) : intersectionNode(lc, sc);
    if (c) out.children.set(pe, c);
  }
  return out.member || out.children.size > 0 ? out : undefined;
}

function encodeNode(n: Node): JsonObject {
  const out: JsonObject = {};
  if (n.member && n.children.size > 0) out['.'] = {};
  for (const pe of sortedKeys(n)) out[pe] = encodeNode(n.children.get(pe) as Node);
  return out;
}

/** Decode a FieldsV1 object below `n`; false when nothing was added (n stays empty). */
function decodeInto(o: JsonObject, n: Node): void {
  for (const k in o) {
    if (k === '.' || !Object.prototype.hasOwnProperty.call(o, k)) continue;
    const v = o[k];
    if (!isObject(v)) continue;
    let c = n.children.get(k);
    const fresh = !c;
    if (!c) c = newNode();
    let empty = true;
    for (const kk in v) {
      if (!Object.prototype.hasOwnProperty.call(v, kk)) continue;
      empty = false;
      if (kk === '.') c.member = true;
    }
    if (empty) c.member = true;
    decodeInto(v, c);
    if (fresh && (c.member || c.children.size > 0)) n.children.set(k, c);
  }
}

/** An immutable-by-convention set of field paths. */
export class FieldSet {
  private readonly root: Node;

  constructor(root?: Node) {
    this.root = root ?? newNode();
  }

  /** A set over a trie built elsewhere; the caller must not change the trie afterwards. */
  static fromRoot(root: Node): FieldSet {
    return new FieldSet(root);
  }

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
      for (const pe of sortedKeys(n)) {
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
    const r = unionNode(this.root, o.root);
    return r === this.root ? this : r === o.root ? o : new FieldSet(r);
  }
  difference(o: FieldSet): FieldSet {
    const r = differenceNode(this.root, o.root);
    return r === this.root ? this : new FieldSet(r);
  }
  intersection(o: FieldSet): FieldSet {
    return new FieldSet(intersectionNode(this.root, o.root));
  }
  filter(pred: (p: FieldPath) => boolean): FieldSet {
    return FieldSet.of(this.paths().filter(pred));
  }
  /** The members under top-level element `pe` (keep) or all others (drop). */
  scopeTop(pe: PathElement, keep: boolean): FieldSet {
    const c = this.root.children.get(pe);
    if (keep) return c ? new FieldSet({ member: false, children: new Map([[pe, c]]) }) : new FieldSet();
    if (!c) return this;
    const children = new Map(this.root.children);
    children.delete(pe);
    return new FieldSet({ member: false, children });
  }
  equals(o: FieldSet): boolean {
    const a = this.paths();
    const b = o.paths();
    return a.length === b.length && a.every((p) => o.has(p));
  }

  /** FieldsV1 JSON object. */
  toFieldsV1(): JsonObject {
    return encodeNode(this.root);
  }

  static fromFieldsV1(v: unknown): FieldSet {
    const root = newNode();
    if (isObject(v)) decodeInto(v, root);
    return new FieldSet(root);
  }
}
