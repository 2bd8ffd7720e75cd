// Runs one probe of a container by its handler (exec, httpGet, tcpSocket, grpc). A probe that
// errors (it could not run at all) is tried up to 3 times before the error is reported.
import { expand } from '../env.js';
import { podDesc, type ContainerSpec, type Pod } from '../types.js';
import { execProbe, type ExecRunner } from './exec.js';
import { httpGetRequest, httpProbe } from './http.js';
import { tcpProbe } from './tcp.js';
import { ProbeError, resolvePort, timing, type Outcome, type ProbeSpec } from './types.js';

export interface ProbeTarget {
  pod: Pod;
  container: ContainerSpec;
  containerId: string;
  /** the pod's IP (the node's for hostNetwork pods) */
  podIP: string;
}

/** Runs a probe once; throws ProbeError when it could not run. */
export type ProbeRunner = (spec: ProbeSpec, t: ProbeTarget) => Promise<Outcome>;

const MAX_RETRIES = 3;

/** $(VAR) in exec probe commands expands only the container's literal env values. */
function staticEnv(c: ContainerSpec): Map<string, string> {
  return new Map((c.env ?? []).filter((e) => e.value !== undefined && !e.valueFrom).map((e) => [e.name, e.value!]));
}

function runOnce(cri: ExecRunner, spec: ProbeSpec, t: ProbeTarget): Promise<Outcome> {
  const { timeoutS } = timing(spec);
  if (spec.exec) {
    const vars = staticEnv(t.container);
    return execProbe(cri, t.containerId, (spec.exec.command ?? []).map((x) => expand(x, vars)), timeoutS);
  }
  const needIP = (host: string | undefined) => {
    const h = host || t.podIP;
    if (!h) throw new ProbeError(`pod ${podDesc(t.pod)} has no IP yet`);
    return h;
  };
  if (spec.httpGet) {
    const host = needIP(spec.httpGet.host);
    return httpProbe(httpGetRequest({ ...spec.httpGet, host }, t.container, t.podIP, 'probe'), timeoutS);
  }
  if (spec.tcpSocket) return tcpProbe(needIP(spec.tcpSocket.host), resolvePort(spec.tcpSocket.port, t.container), timeoutS);
  if (spec.grpc) {
    const ip = needIP(undefined);
    const { port, service } = spec.grpc;
    // loaded with the first grpc probe: protobufjs and its parser stay out of an agent that has none
    return import('./grpc.js').then((g) => g.grpcProbe(ip, port, service ?? '', timeoutS));
  }
  return Promise.reject(new ProbeError(`missing probe handler for ${podDesc(t.pod)}:${t.container.name}`));
}

export function criProbeRunner(cri: ExecRunner): ProbeRunner {
  return async (spec, t) => {
    let last: unknown;
    for (let i = 0; i < MAX_RETRIES; i++) {
      try {
        return await runOnce(cri, spec, t);
      } catch (err) {
        if (!(err instanceof ProbeError)) throw err;
        last = err;
      }
    }
    throw last;
  };
}
