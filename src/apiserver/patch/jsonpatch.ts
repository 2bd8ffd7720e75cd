// RFC 6902 JSON patch, following kube-apiserver (gopkg.in/evanphx/json-patch.v4) behaviour:
//  - a body that is not a list of objects -> 400 BadRequest (decode error);
//  - more than 10000 operations -> 413;
//  - any failing operation (unknown op, missing path, failed test) -> 422 Invalid with the generic
//    message "the server rejected our request due to an error in our request" (the library's
//    detail is not part of the Status upstream; it is kept on `error.cause` for logs).
// Known v4 quirk reproduced: `replace` of a missing object member adds it.
import { ApiError } from '../../api/errors.js';
import { clone, deepEqual, isObject, type JsonObject } from './json.js';

const MAX_OPERATIONS = 10000;

type Container = JsonObject | unknown[];

class OpError extends Error {}

function invalid(detail: string): ApiError {
  const err = new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  (err as Error).cause = detail;
  return err;
}

function decodeKey(k: string): string {
  return k.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Go strconv.Atoi: optional sign, decimal digits only. */
function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** Parent container and final key of a pointer, or undefined when the parent is missing. */
function findObject(root: Container, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let doc: Container = root;
  for (const raw of split.slice(1, -1)) {
    const next = get(doc, decodeKey(raw));
    if (!Array.isArray(next) && !isObject(next)) return undefined;
    doc = next;
  }
  return { con: doc, key: decodeKey(split[split.length - 1]) };
}

/** Value at key; undefined when missing (objects) or out of range (arrays). */
function get(con: Container, key: string): unknown {
  if (!Array.isArray(con)) return Object.prototype.hasOwnProperty.call(con, key) ? con[key] : undefined;
  const idx = atoi(key);
  if (idx === undefined || idx < 0 || idx >= con.length) return undefined;
  return con[idx];
}

function arrayGet(con: unknown[], key: string): unknown {
  const idx = atoi(key);
  if (idx === undefined) throw new OpError(`strconv.Atoi: parsing "${key}": invalid syntax`);
  if (idx < 0 || idx >= con.length) throw new OpError(`Unable to access invalid index: ${idx}: invalid index referenced`);
  return con[idx];
}

function add(con: Container, key: string, val: unknown): void {
  if (!Array.isArray(con)) {
    con[key] = val;
    return;
  }
  if (key === '-') {
    con.push(val);
    return;
  }
  let idx = atoi(key);
  if (idx === undefined) throw new OpError(`value was not a proper array index: '${key}'`);
  const size = con.length + 1;
  if (idx >= size || idx < -size) throw new OpError(`Unable to access invalid index: ${idx}: invalid index referenced`);
  if (idx < 0) idx += size;
  con.splice(idx, 0, val);
}

function remove(con: Container, key: string): void {
  if (!Array.isArray(con)) {
    if (!Object.prototype.hasOwnProperty.call(con, key)) throw new OpError(`Unable to remove nonexistent key: ${key}: missing value`);
    delete con[key];
    return;
  }
  let idx = atoi(key);
  if (idx === undefined) throw new OpError(`strconv.Atoi: parsing "${key}": invalid syntax`);
  if (idx >= con.length || idx < -con.length) throw new OpError(`Unable to access invalid index: ${idx}: invalid index referenced`);
  if (idx < 0) idx += con.length;
  con.splice(idx, 1);
}

function str(op: JsonObject, field: 'path' | 'from'): string {
  const v = op[field];
  if (typeof v !== 'string') throw new OpError(field === 'path' ? 'operation missing path field: missing value' : 'operation, missing from field: missing value');
  return v;
}

function locate(root: Container, path: string, what: string): { con: Container; key: string } {
  const found = findObject(root, path);
  if (!found) throw new OpError(`${what} does not apply: doc is missing path: "${path}": missing value`);
  return found;
}

function applyOne(root: Container, op: JsonObject): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  switch (kind) {
    case 'add': {
      const { con, key } = locate(root, str(op, 'path'), 'add operation');
      add(con, key, clone(op.value ?? null));
      return;
    }
    case 'remove': {
      const { con, key } = locate(root, str(op, 'path'), 'remove operation');
      remove(con, key);
      return;
    }
    case 'replace': {
      const { con, key } = locate(root, str(op, 'path'), 'replace operation');
      if (Array.isArray(con)) {
        arrayGet(con, key);
        con[atoi(key) as number] = clone(op.value ?? null);
      } else con[key] = clone(op.value ?? null);
      return;
    }
    case 'move':
    case 'copy': {
      const from = locate(root, str(op, 'from'), `${kind} operation`);
      const val = Array.isArray(from.con) ? arrayGet(from.con, from.key) : get(from.con, from.key);
      if (kind === 'move') remove(from.con, from.key);
      else if (val === undefined) throw new OpError(`copy operation does not apply: doc is missing from path: ${str(op, 'from')}: missing value`);
      const to = locate(root, str(op, 'path'), `${kind} operation`);
      add(to.con, to.key, clone(val));
      return;
    }
    case 'test': {
      const path = str(op, 'path');
      const { con, key } = locate(root, path, 'test operation');
      const val = Array.isArray(con) ? arrayGet(con, key) : get(con, key);
      const want = op.value;
      const ok = val === undefined || val === null ? want === null : want !== undefined && deepEqual(val, want);
      if (!ok) throw new OpError(`testing value ${path} failed: test failed`);
      return;
    }
    default:
      throw new OpError(`Unexpected kind: ${kind}`);
  }
}

/** Apply an RFC 6902 patch (already JSON-decoded) to `doc`; returns a new document. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (ops === null) return clone(doc);
  if (!Array.isArray(ops)) {
    const t = isObject(ops) ? 'object' : typeof ops === 'string' ? 'string' : typeof ops === 'number' ? 'number' : 'bool';
    throw ApiError.badRequest(`json: cannot unmarshal ${t} into Go value of type jsonpatch.Patch`);
  }
  for (const op of ops) {
    if (op !== null && !isObject(op)) {
      const t = Array.isArray(op) ? 'array' : typeof op === 'string' ? 'string' : typeof op === 'number' ? 'number' : 'bool';
      throw ApiError.badRequest(`json: cannot unmarshal ${t} into Go value of type jsonpatch.Operation`);
    }
  }
  if (ops.length > MAX_OPERATIONS) {
    throw ApiError.tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${ops.length}`);
  }
  const root = clone(doc);
  if (!Array.isArray(root) && !isObject(root)) throw invalid('invalid JSON document');
  for (const op of ops as (JsonObject | null)[]) {
    try {
      applyOne(root, op ?? {});
    } catch (e) {
      if (e instanceof OpError) throw invalid(e.message);
      throw e;
    }
  }
  return root;
}
