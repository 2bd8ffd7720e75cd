// Eviction thresholds, as --eviction-hard spells them: "memory.available<100Mi,nodefs.available<10%".
// Only memory.available drives evictions here; the other signals the kubelet knows parse (so
// k3s-style flags are accepted) and are reported as not acted upon.
import { parseQuantity, quantityValue, QuantityError } from '../../api/quantity.js';

export const SIGNALS = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available', 'imagefs.inodesFree', 'pid.available'] as const;
export type Signal = (typeof SIGNALS)[number];

export interface Threshold {
  signal: Signal;
  /** bytes (or a count), or a fraction of capacity */
  value: { quantity: string } | { percentage: number };
}

export class ThresholdError extends Error {}

export const DEFAULT_EVICTION_HARD = 'memory.available<100Mi';

export function parseThresholds(spec: string): Threshold[] {
  const out: Threshold[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-zA-Z.]+)<(.+)$/.exec(part);
    if (!m) throw new ThresholdError(`invalid eviction threshold ${JSON.stringify(part)}: want signal<quantity, e.g. memory.available<100Mi`);
    const signal = m[1] as Signal;
    if (!SIGNALS.includes(signal)) throw new ThresholdError(`unknown eviction signal ${JSON.stringify(m[1])}; known: ${SIGNALS.join(', ')}`);
    const v = m[2]!;
    if (out.some((t) => t.signal === signal)) throw new ThresholdError(`duplicate eviction threshold for ${signal}`);
    if (v.endsWith('%')) {
      const pct = Number(v.slice(0, -1));
      if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw new ThresholdError(`invalid eviction threshold ${JSON.stringify(part)}: percentage must be between 0% and 100%`);
      out.push({ signal, value: { percentage: pct / 100 } });
      continue;
    }
    try {
      if (quantityValue(parseQuantity(v)) < 0n) throw new ThresholdError(`invalid eviction threshold ${JSON.stringify(part)}: must be positive`);
    } catch (err) {
      if (err instanceof QuantityError) throw new ThresholdError(`invalid eviction threshold ${JSON.stringify(part)}: ${err.message}`);
      throw err;
    }
    out.push({ signal, value: { quantity: v } });
  }
  return out;
}

/** The threshold in bytes for a resource of this capacity. */
export function thresholdBytes(t: Threshold, capacity: number): number {
  if ('percentage' in t.value) return Math.floor(capacity * t.value.percentage);
  return Number(quantityValue(parseQuantity(t.value.quantity)));
}
