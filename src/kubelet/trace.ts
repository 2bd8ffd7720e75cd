// Pod startup tracing, off unless KUBELITE_POD_TRACE names a file: each step of a pod's way to
// Running (informer event, sync, each CRI call, volumes, status patch) is stamped with the wall
// clock in ms (sub-ms), and once the status showing Running is written the pod's marks go to the
// file as one JSON line: {"pod":"ns/name","uid":"…","marks":[["informer-add",1763…],…]}.
// Off, each call is one comparison.
import { appendFileSync } from 'node:fs';

const file = process.env.KUBELITE_POD_TRACE || undefined;
const pods = new Map<string, [string, number][]>();
const MAX_PODS = 10_000;

/** true when tracing is on */
export const tracing = file !== undefined;

const now = () => performance.timeOrigin + performance.now();

/** Starts tracing a pod new to this node. */
export function traceStart(uid: string, what: string): void {
  if (file === undefined || pods.has(uid) || pods.size >= MAX_PODS) return;
  pods.set(uid, [[what, now()]]);
}

/** Stamps a step of a pod being traced (not yet Running). */
export function trace(uid: string, what: string): void {
  if (file === undefined) return;
  pods.get(uid)?.push([what, now()]);
}

/** Times an async step: "<what>" and "<what>/end". */
export async function traced<T>(uid: string, what: string, f: () => Promise<T>): Promise<T> {
  if (file === undefined) return f();
  trace(uid, what);
  try {
    return await f();
  } finally {
    trace(uid, `${what}/end`);
  }
}

/** The pod's Running status is written: its line goes out and its marks are dropped. */
export function traceDone(uid: string, pod: string): void {
  if (file === undefined) return;
  const l = pods.get(uid);
  if (!l) return;
  pods.delete(uid);
  try {
    appendFileSync(file, `${JSON.stringify({ pod, uid, marks: l })}\n`);
  } catch {
    // tracing is best effort
  }
}

/** The pod is gone before it ran. */
export function traceForget(uid: string): void {
  if (file !== undefined) pods.delete(uid);
}
