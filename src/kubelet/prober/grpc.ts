// grpc probes: grpc.health.v1.Health/Check on the pod IP, plaintext, with the probe's service
// name; healthy when the answer is SERVING. Connecting and the call share the probe's timeout.
// Outputs follow the kubelet's wording ("service unhealthy (responded with "NOT_SERVING")").
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { KUBE_VERSION } from './http.js';
import { grpcCodeName } from './neterr.js';
import { joinHostPort, type Outcome } from './types.js';

const HEALTH_PROTO = `
syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
`;

type HealthClient = grpc.Client & {
  Check(req: { service: string }, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
};

let cached: grpc.ServiceClientConstructor | undefined;

/** The grpc.health.v1.Health service (tests serve it too). */
export function healthService(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const root = protobuf.parse(HEALTH_PROTO, { keepCase: true }).root;
  const def = fromJSON(root.toJSON() as Parameters<typeof fromJSON>[0], { keepCase: true, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  cached = pkg.grpc.health.v1.Health;
  return cached;
}

export async function grpcProbe(host: string, port: number, service: string, timeoutS: number): Promise<Outcome> {
  const addr = joinHostPort(host, port);
  const Health = healthService();
  const client = new Health(addr, grpc.credentials.createInsecure(), { 'grpc.primary_user_agent': `kube-probe/${KUBE_VERSION}` }) as unknown as HealthClient;
  const deadline = Date.now() + timeoutS * 1000;
  try {
    const connected = await new Promise<boolean>((resolve) => client.waitForReady(deadline, (err) => resolve(!err)));
    if (!connected) return { result: 'failure', output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${timeoutS}s: context deadline exceeded` };
    const res = await new Promise<{ status?: string } | grpc.ServiceError>((resolve) =>
      client.Check({ service }, new grpc.Metadata(), { deadline }, (err, r) => resolve(err ?? r ?? {})),
    );
    if (res instanceof Error) {
      if (res.code === grpc.status.UNIMPLEMENTED) return { result: 'failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${res.details}` };
      if (res.code === grpc.status.DEADLINE_EXCEEDED) return { result: 'failure', output: `timeout: health rpc did not complete within ${timeoutS}s` };
      return { result: 'failure', output: `error: health rpc probe failed: rpc error: code = ${grpcCodeName(grpc.status[res.code] ?? 'UNKNOWN')} desc = ${res.details}` };
    }
    if (res.status !== 'SERVING') return { result: 'failure', output: `service unhealthy (responded with ${JSON.stringify(res.status ?? 'UNKNOWN')})` };
    return { result: 'success', output: 'service healthy' };
  } finally {
    client.close();
  }
}
