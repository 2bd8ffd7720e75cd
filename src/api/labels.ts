// Label selectors: the string grammar of apimachinery labels.Parse and metav1.LabelSelector.
import { ApiError } from './errors.js';
import { isQualifiedName, isValidLabelValue } from './validation/names.js';

export { isQualifiedName, isValidLabelValue } from './validation/names.js';

export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted, de-duplicated. */
  readonly values: readonly string[];
}

export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  matches(labels: Record<string, string> | undefined): boolean;
  isEmpty(): boolean;
  toString(): string;
}

/** Errors from label validation, phrased as apimachinery field errors (`key: Invalid value: ...`). */
export function validateLabelKey(k: string): string | undefined {
  const errs = isQualifiedName(k);
  return errs.length ? `key: Invalid value: ${JSON.stringify(k)}: ${errs.join('; ')}` : undefined;
}

function newRequirement(key: string, op: LabelOperator, vals: string[]): Requirement {
  const keyErr = validateLabelKey(key);
  if (keyErr) throw new Error(keyErr);
  const set = [...new Set(vals)].sort();
  const valsJson = `[]string{${set.map((v) => JSON.stringify(v)).join(', ')}}`;
  switch (op) {
    case 'in':
    case 'notin':
      if (set.length === 0) throw new Error(`values: Invalid value: ${valsJson}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case '=':
    case '==':
    case '!=':
      if (set.length !== 1) throw new Error(`values: Invalid value: ${valsJson}: exact-match compatibility requires one single value`);
      break;
    case 'exists':
    case '!':
      if (set.length !== 0) throw new Error(`values: Invalid value: ${valsJson}: values set must be empty for exists and does not exist`);
      break;
    case 'gt':
    case 'lt':
      if (set.length !== 1) throw new Error(`values: Invalid value: ${valsJson}: for 'Gt', 'Lt' operators, exactly one value is required`);
      set.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) throw new Error(`values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
      });
      break;
  }
  if (op !== 'gt' && op !== 'lt') {
    set.forEach((v, i) => {
      const errs = isValidLabelValue(v);
      if (errs.length) throw new Error(`values[${i}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
    });
  }
  return { key, operator: op, values: set };
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(v as string);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(v as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[+-]?\d+$/.test(v as string)) return false;
      const lv = BigInt(v as string);
      const rv = BigInt(r.values[0]);
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return '!' + r.key;
    case 'in':
      return `${r.key} in (${r.values.join(',')})`;
    case 'notin':
      return `${r.key} notin (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0]}`;
    case 'lt':
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0]}`;
  }
}

/** Builds a selector; requirements are kept sorted by key (stable), as upstream. */
export function selectorOf(reqs: Requirement[], nothing = false): LabelSelector {
  const sorted = [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    matches: (labels) => !nothing && sorted.every((r) => requirementMatches(r, labels ?? {})),
    isEmpty: () => !nothing && sorted.length === 0,
    toString: () => sorted.map(requirementString).join(','),
  };
}

export const everything = (): LabelSelector => selectorOf([]);
export const nothing = (): LabelSelector => selectorOf([], true);

// ---- lexer -------------------------------------------------------------------------------

type Tok = 'id' | 'in' | 'notin' | '!' | '!=' | '(' | ')' | ',' | '=' | '==' | '>' | '<' | 'eos';
interface Token {
  t: Tok;
  lit: string;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const SYMBOLS: Record<string, Tok> = { '!': '!', '!=': '!=', '(': '(', ')': ')', ',': ',', '=': '=', '==': '==', '>': '>', '<': '<' };
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      // Longest run of special characters that still forms a known symbol (every single one does).
      let buf = '';
      while (i < s.length && SPECIAL.has(s[i]) && SYMBOLS[buf + s[i]] !== undefined) buf += s[i++];
      out.push({ t: SYMBOLS[buf], lit: buf });
      continue;
    }
    let buf = '';
    while (i < s.length && !isSpace(s[i]) && !SPECIAL.has(s[i])) buf += s[i++];
    out.push({ t: buf === 'in' ? 'in' : buf === 'notin' ? 'notin' : 'id', lit: buf });
  }
  out.push({ t: 'eos', lit: '' });
  return out;
}

// ---- parser ------------------------------------------------------------------------------

const BINARY_OPS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  /** In "values" mode the keywords in/notin are plain identifiers. */
  private peek(values: boolean): Token {
    const tk = this.toks[Math.min(this.pos, this.toks.length - 1)];
    return values && (tk.t === 'in' || tk.t === 'notin') ? { t: 'id', lit: tk.lit } : tk;
  }
  private next(values: boolean): Token {
    const tk = this.peek(values);
    if (this.pos < this.toks.length - 1) this.pos++;
    return tk;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const tk = this.peek(true);
      if (tk.t === 'id' || tk.t === '!') {
        try {
          reqs.push(this.requirement());
        } catch (e) {
          throw new Error(`unable to parse requirement: ${(e as Error).message}`);
        }
        const after = this.next(true);
        if (after.t === 'eos') return reqs;
        if (after.t === ',') {
          const t2 = this.peek(true);
          if (t2.t !== 'id' && t2.t !== '!') throw new Error(`found '${t2.lit}', expected: identifier after ','`);
          continue;
        }
        throw new Error(`found '${after.lit}', expected: ',' or 'end of string'`);
      }
      if (tk.t === 'eos') return reqs;
      throw new Error(`found '${tk.lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  private requirement(): Requirement {
    let tk = this.next(true);
    let notExists = false;
    if (tk.t === '!') {
      notExists = true;
      tk = this.next(true);
    }
    if (tk.t !== 'id') throw new Error(`found '${tk.lit}', expected: identifier`);
    const key = tk.lit;
    const keyErr = validateLabelKey(key);
    if (keyErr) throw new Error(keyErr);
    const la = this.peek(true);
    if (la.t === 'eos' || la.t === ',') return newRequirement(key, notExists ? '!' : 'exists', []);
    if (notExists) return newRequirement(key, '!', []);
    const opTok = this.next(false);
    const ops: Partial<Record<Tok, LabelOperator>> = { in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt' };
    const op = ops[opTok.t];
    if (!op) throw new Error(`found '${opTok.lit}', expected: ${BINARY_OPS}`);
    const values = op === 'in' || op === 'notin' ? this.setValues() : this.exactValue();
    return newRequirement(key, op, values);
  }

  private exactValue(): string[] {
    const la = this.peek(true);
    if (la.t === 'eos' || la.t === ',') return [''];
    const tk = this.next(true);
    if (tk.t === 'id') return [tk.lit];
    throw new Error(`found '${tk.lit}', expected: identifier`);
  }

  private setValues(): string[] {
    const open = this.next(true);
    if (open.t !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const la = this.peek(true);
    if (la.t === ')') {
      this.next(true);
      return [''];
    }
    if (la.t !== 'id' && la.t !== ',') throw new Error(`found '${la.lit}', expected: ',', ')' or identifier`);
    const vals = this.identifierList();
    const close = this.next(true);
    if (close.t !== ')') throw new Error(`found '${la.lit}', expected: ')'`);
    return vals;
  }

  private identifierList(): string[] {
    const s: string[] = [];
    for (;;) {
      const tk = this.next(true);
      if (tk.t === 'id') {
        s.push(tk.lit);
        const t2 = this.peek(true);
        if (t2.t === ',') continue;
        if (t2.t === ')') return s;
        throw new Error(`found '${t2.lit}', expected: ',' or ')'`);
      }
      if (tk.t === ',') {
        if (s.length === 0) s.push('');
        const t2 = this.peek(true);
        if (t2.t === ')') {
          s.push('');
          return s;
        }
        if (t2.t === ',') {
          this.next(true);
          s.push('');
        }
        continue;
      }
      throw new Error(`found '${tk.lit}', expected: ',', or identifier`);
    }
  }
}

/** Parses a label selector string (`?labelSelector=`). Throws ApiError 400 on bad input. */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return selectorOf(new Parser(lex(s)).parse());
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw ApiError.badRequest((e as Error).message);
  }
}

export interface LabelSelectorRequirementSpec {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirementSpec[];
}

/**
 * metav1.LabelSelectorAsSelector: undefined/null -> matches nothing; {} -> everything.
 * Throws ApiError 400 on invalid content.
 */
export function selectorFromLabelSelector(ls: LabelSelectorSpec | null | undefined): LabelSelector {
  if (ls === null || ls === undefined) return nothing();
  const reqs: Requirement[] = [];
  try {
    for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push(newRequirement(k, '=', [v]));
    for (const e of ls.matchExpressions ?? []) {
      const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[e.operator as 'In'];
      if (!op) throw new Error(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
      reqs.push(newRequirement(e.key, op, e.values ?? []));
    }
  } catch (e) {
    throw ApiError.badRequest((e as Error).message);
  }
  return selectorOf(reqs);
}

/** String form of a metav1.LabelSelector (Scale status.selector), e.g. `app=web`. */
export function labelSelectorToString(ls: LabelSelectorSpec | null | undefined): string {
  return selectorFromLabelSelector(ls).toString();
}

/** labels.SelectorFromSet: equality requirements for every pair (RC/Service selectors). */
export function selectorFromSet(set: Record<string, string> | undefined): LabelSelector {
  return selectorOf(Object.entries(set ?? {}).map(([k, v]) => ({ key: k, operator: '=' as const, values: [v] })));
}
