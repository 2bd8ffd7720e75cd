// Kubernetes resource quantities (apimachinery resource.Quantity semantics).
// Values are held exactly as an integer count of nano-units (bigint); parsing rounds
// non-zero values up (away from zero) to 1n, as upstream does.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export const QUANTITY_REGEX = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const ERR_QUANTITY_FORMAT = `quantities must match the regular expression '${QUANTITY_REGEX}'`;
export const ERR_QUANTITY_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_QUANTITY_SUFFIX = "unable to parse quantity's suffix";

const NANO = 1_000_000_000n;
const MAX_INT64 = 9_223_372_036_854_775_807n;

/** Thrown by parseQuantity; message is upstream's wording. */
export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

export interface Quantity {
  /** Exact value in nano-units (value * 10^9). */
  readonly nano: bigint;
  readonly format: QuantityFormat;
}

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXP = new Map<number, string>(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXP = new Map<number, string>(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e, s]));

interface Split {
  negative: boolean;
  intPart: string;
  fracPart: string;
  suffix: string;
  numericOk: boolean;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Scans sign, digits, optional fraction and suffix the way upstream's parser does. */
function splitQuantity(s: string): Split {
  let pos = 0;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    pos++;
  }
  const numStart = pos;
  while (isDigit(s[pos])) pos++;
  const intPart = s.slice(numStart, pos);
  let fracPart = '';
  let sawDot = false;
  if (s[pos] === '.') {
    sawDot = true;
    pos++;
    const fs = pos;
    while (isDigit(s[pos])) pos++;
    fracPart = s.slice(fs, pos);
  }
  // A lone sign is read upstream as zero; a lone '.' is not numeric.
  const numericOk = intPart.length > 0 || fracPart.length > 0 || (!sawDot && pos === s.length);
  const suffixStart = pos;
  while (pos < s.length && 'eEinumkKMGTP'.includes(s[pos])) pos++;
  if (s[pos] === '-' || s[pos] === '+') pos++;
  while (isDigit(s[pos])) pos++;
  if (pos < s.length) throw new QuantityError(ERR_QUANTITY_FORMAT);
  return { negative, intPart, fracPart, suffix: s.slice(suffixStart), numericOk };
}

function interpretSuffix(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } | undefined {
  if (suffix in DECIMAL_SUFFIXES) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: 'DecimalSI' };
  if (suffix in BINARY_SUFFIXES) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const exponent = Number.parseInt(suffix.slice(1), 10);
    if (Math.abs(exponent) > 2 ** 31) return undefined;
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

function ceilDiv(n: bigint, d: bigint): bigint {
  // n >= 0, d > 0
  return (n + d - 1n) / d;
}

// Parsed quantities are immutable values: recently seen strings are answered from a small cache
// (emptied when full), which spares the bigint arithmetic for the few values objects repeat.
const parsedCache = new Map<string, Quantity>();
const PARSED_CACHE_MAX = 1024;

/** Parses a quantity string; throws QuantityError with upstream's message on bad input. */
export function parseQuantity(input: string | number): Quantity {
  if (typeof input !== 'string') return parseQuantityUncached(input);
  let q = parsedCache.get(input);
  if (q === undefined) {
    q = parseQuantityUncached(input);
    if (parsedCache.size >= PARSED_CACHE_MAX) parsedCache.clear();
    parsedCache.set(input, q);
  }
  return q;
}

function parseQuantityUncached(input: string | number): Quantity {
  const s = typeof input === 'number' ? numberToString(input) : input;
  if (s.length === 0) throw new QuantityError(ERR_QUANTITY_FORMAT);
  if (s === '0') return { nano: 0n, format: 'DecimalSI' };
  const sp = splitQuantity(s);
  const suf = interpretSuffix(sp.suffix);
  if (!suf) throw new QuantityError(ERR_QUANTITY_SUFFIX);
  if (!sp.numericOk) throw new QuantityError(ERR_QUANTITY_NUMERIC);
  // Exact rational value: digits / 10^fracLen, scaled by the suffix.
  const digits = BigInt((sp.intPart || '0') + sp.fracPart);
  let num = digits * NANO; // nano-units numerator
  let den = 10n ** BigInt(sp.fracPart.length);
  if (suf.base === 10) {
    if (suf.exponent >= 0) num *= 10n ** BigInt(suf.exponent);
    else den *= 10n ** BigInt(-suf.exponent);
  } else {
    num *= 1n << BigInt(suf.exponent);
  }
  let nano = num === 0n ? 0n : ceilDiv(num, den); // round up to the nearest nano
  let format = suf.format;
  if (format === 'BinarySI' && nano > MAX_INT64 * NANO) nano = MAX_INT64 * NANO;
  if (format === 'BinarySI' && nano > 0n && nano < NANO) format = 'DecimalSI';
  return { nano: sp.negative ? -nano : nano, format };
}

function numberToString(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const s = String(n);
  // JSON numbers like 1e+21 become "1e21" (a valid exponent form).
  return s.replace('e+', 'e');
}

export function isValidQuantity(s: unknown): boolean {
  if (typeof s !== 'string' && typeof s !== 'number') return false;
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

/** Returns the upstream error message for an invalid quantity, or undefined when valid. */
export function quantityError(s: unknown): string | undefined {
  if (typeof s !== 'string' && typeof s !== 'number') return ERR_QUANTITY_FORMAT;
  try {
    parseQuantity(s);
    return undefined;
  } catch (e) {
    return e instanceof QuantityError ? e.message : ERR_QUANTITY_FORMAT;
  }
}

export function compareQuantities(a: Quantity | string, b: Quantity | string): -1 | 0 | 1 {
  const x = typeof a === 'string' ? parseQuantity(a).nano : a.nano;
  const y = typeof b === 'string' ? parseQuantity(b).nano : b.nano;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Value in whole units, rounded up (like Quantity.Value()). */
export function quantityValue(q: Quantity): bigint {
  return roundUpDiv(q.nano, NANO);
}

/** Value in milli-units, rounded up (like Quantity.MilliValue()). */
export function quantityMilliValue(q: Quantity): bigint {
  return roundUpDiv(q.nano, 1_000_000n);
}

function roundUpDiv(n: bigint, d: bigint): bigint {
  if (n >= 0n) return ceilDiv(n, d);
  return -(-n / d); // towards +infinity for negatives
}

export function isZeroQuantity(q: Quantity): boolean {
  return q.nano === 0n;
}

function removeFactors(v: bigint, f: bigint): [bigint, number] {
  let times = 0;
  while (v !== 0n && v % f === 0n) {
    v /= f;
    times++;
  }
  return [v, times];
}

/** Canonical string form, as Kubernetes serializes quantities (e.g. 0.5 -> 500m, 1.5Gi -> 1536Mi). */
export function formatQuantity(q: Quantity | string): string {
  const qq = typeof q === 'string' ? parseQuantity(q) : q;
  const { nano } = qq;
  if (nano === 0n) return '0';
  let format = qq.format;
  if (format === 'BinarySI') {
    const abs = nano < 0n ? -nano : nano;
    if (abs < 1024n * NANO || nano % NANO !== 0n) format = 'DecimalSI';
  }
  const sign = nano < 0n ? '-' : '';
  const abs = nano < 0n ? -nano : nano;
  if (format === 'BinarySI') {
    const [amount, k] = removeFactors(abs / NANO, 1024n);
    const exp = Math.min(k, 6);
    const scaled = amount * 1024n ** BigInt(k - exp);
    return sign + scaled.toString() + (BINARY_BY_EXP.get(exp * 10) ?? '');
  }
  let [mantissa, times] = removeFactors(abs, 10n);
  let exponent = times - 9;
  const r = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(r);
  exponent -= r;
  let suffix: string;
  if (format === 'DecimalExponent') suffix = exponent === 0 ? '' : `e${exponent}`;
  else suffix = DECIMAL_BY_EXP.get(exponent) ?? `e${exponent}`;
  return sign + mantissa.toString() + suffix;
}

const CANONICAL_DECIMAL = /^[1-9][0-9]*[numkMGTPE]?$/;
const CANONICAL_BINARY = /^([1-9][0-9]{0,14})([KMGTPE])i$/;
const BINARY_POWER: Record<string, number> = { K: 10, M: 20, G: 30, T: 40, P: 50, E: 60 };

/**
 * True for strings formatQuantity(parseQuantity(s)) returns unchanged, recognised without
 * bigint work: an integer mantissa (no sign, no leading zero) with a decimal suffix and at most
 * two trailing zeros (exponent and mantissa then survive normalisation), or with a binary suffix,
 * not a multiple of 1024 and within int64.
 */
function isCanonicalQuantity(s: string): boolean {
  if (CANONICAL_DECIMAL.test(s)) {
    const digitsEnd = s.length - (s.charCodeAt(s.length - 1) > 57 ? 1 : 0);
    return !s.endsWith('000', digitsEnd);
  }
  const m = CANONICAL_BINARY.exec(s);
  if (!m) return false;
  const mantissa = Number(m[1]);
  return mantissa % 1024 !== 0 && mantissa * 2 ** BINARY_POWER[m[2]!]! < 2 ** 63;
}

/** Parses and re-serializes in canonical form. Throws QuantityError when invalid. */
export function canonicalQuantity(s: string | number): string {
  if (typeof s === 'string' && (s === '0' || isCanonicalQuantity(s))) return s;
  return formatQuantity(parseQuantity(s));
}
