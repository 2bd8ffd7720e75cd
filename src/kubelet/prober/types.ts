// The probe and lifecycle-handler fields the kubelet reads, typed (the pod types keep probes
// loose), and what one probe attempt can come back with.
import type { ContainerSpec } from '../types.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: string;
  httpHeaders?: HTTPHeader[];
}

export interface TCPSocketAction {
  port: number | string;
  host?: string;
}

export interface GRPCAction {
  port: number;
  service?: string;
}

export interface ProbeSpec {
  exec?: { command?: string[] };
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface HandlerSpec {
  exec?: { command?: string[] };
  httpGet?: HTTPGetAction;
  sleep?: { seconds: number };
}

/**
 * One probe attempt: success, warning (a success worth telling: a redirect to another host) or
 * failure with the output the Unhealthy event shows. A probe that could not run at all throws
 * ProbeError instead: its result is thrown away ("probe errored").
 */
export interface Outcome {
  result: 'success' | 'warning' | 'failure';
  output: string;
}

export class ProbeError extends Error {}

/** The probe of that kind on a container, if it has one. */
export function probeOf(c: ContainerSpec, kind: ProbeKind): ProbeSpec | undefined {
  const p = kind === 'liveness' ? c.livenessProbe : kind === 'readiness' ? c.readinessProbe : c.startupProbe;
  return p && typeof p === 'object' ? (p as ProbeSpec) : undefined;
}

/** "Liveness", "Readiness", "Startup": how events name the probe. */
export function kindTitle(kind: ProbeKind): string {
  return kind[0]!.toUpperCase() + kind.slice(1);
}

/** Defaults as the API server applies them; pods written before defaulting still probe sanely. */
export function timing(p: ProbeSpec): { initialDelayS: number; timeoutS: number; periodS: number; success: number; failure: number } {
  return {
    initialDelayS: p.initialDelaySeconds ?? 0,
    timeoutS: p.timeoutSeconds || 1,
    periodS: p.periodSeconds || 10,
    success: p.successThreshold || 1,
    failure: p.failureThreshold || 3,
  };
}

/**
 * The port of a probe or hook: a number, or the name of one of the container's ports (as the
 * kubelet, a numeric string is accepted as a last resort, with Go's parse error otherwise).
 */
export function resolvePort(port: number | string, c: ContainerSpec): number {
  let n: number;
  if (typeof port === 'number') n = port;
  else {
    const named = (c.ports ?? []).find((p) => p.name === port);
    if (named) n = named.containerPort;
    else if (/^[+-]?\d+$/.test(port)) n = Number(port);
    else throw new ProbeError(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
  }
  if (!Number.isInteger(n) || n <= 0 || n >= 65536) throw new ProbeError(`invalid port number: ${n}`);
  return n;
}

/** host:port with IPv6 hosts bracketed, as Go's net.JoinHostPort. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
