// Lifecycle hooks (postStart, preStop): exec runs in the container (no timeout of its own),
// httpGet is sent by the kubelet to the pod IP (any response counts: only a request that fails
// fails the hook), sleep waits. A failure comes back as the kubelet's message, which goes to the
// log and the container's waiting message, never to events (it may carry secrets).
import { sleep } from '../sleep.js';
import { podDesc, type ContainerSpec, type Pod } from '../types.js';
import { CriError } from '../../cri/errors.js';
import { rpcErrorText, type ExecRunner } from './exec.js';
import { httpGet, httpGetRequest, HttpGetError } from './http.js';
import { ProbeError, type HandlerSpec } from './types.js';

export interface HookTarget {
  pod: Pod;
  container: ContainerSpec;
  containerId: string;
  /** the pod's IP (the node's for hostNetwork pods) */
  podIP: string;
}

/** A hook's HTTP request is bounded by the caller's signal; this only keeps it from hanging forever. */
const HTTP_HOOK_TIMEOUT_MS = 120_000;

export function hasHandler(h: HandlerSpec | undefined): h is HandlerSpec {
  return !!h && (!!h.exec?.command?.length || !!h.httpGet || typeof h.sleep?.seconds === 'number');
}

/** Runs the handler; undefined when it succeeded, else the kubelet's failure message. */
export async function runHandler(cri: ExecRunner, h: HandlerSpec, t: HookTarget, signal?: AbortSignal): Promise<string | undefined> {
  const who = `for Container ${JSON.stringify(t.container.name)} in Pod ${JSON.stringify(podDesc(t.pod))}`;
  if (h.exec?.command?.length) {
    const cmd = h.exec.command;
    let err: string;
    let output = '';
    try {
      const r = await cri.execSync(t.containerId, cmd, 0, { signal });
      if (r.exitCode === 0) return undefined;
      output = Buffer.concat([r.stdout, r.stderr]).toString('utf8');
      err = `command '${cmd.join(' ')}' exited with ${r.exitCode}: ${r.stderr.toString('utf8')}`;
    } catch (e) {
      if (!(e instanceof CriError)) throw e;
      err = rpcErrorText(e);
    }
    return `Exec lifecycle hook ([${cmd.join(' ')}]) ${who} failed - error: ${err}, message: ${JSON.stringify(output)}`;
  }
  if (h.httpGet) {
    try {
      if (!h.httpGet.host && !t.podIP) throw new ProbeError('failed to find networking container: the pod has no IP');
      await httpGet(httpGetRequest(h.httpGet, t.container, t.podIP, 'lifecycle'), HTTP_HOOK_TIMEOUT_MS, signal);
      return undefined;
    } catch (e) {
      if (!(e instanceof HttpGetError || e instanceof ProbeError)) throw e;
      return `HTTP lifecycle hook (${h.httpGet.path ?? ''}) ${who} failed - error: ${e.message}`;
    }
  }
  if (typeof h.sleep?.seconds === 'number') {
    await sleep(h.sleep.seconds * 1000, signal ?? new AbortController().signal);
    if (signal?.aborted) return `Sleep lifecycle hook (${h.sleep.seconds}) ${who} failed - error: container terminated before sleep hook finished`;
    return undefined;
  }
  return undefined;
}
