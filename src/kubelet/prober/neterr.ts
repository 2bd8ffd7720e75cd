// Socket errors worded as Go's net package words them: probe outputs and hook errors are what
// users read in events, and they know the kubelet's phrasing ("connect: connection refused").

const CONNECT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ETIMEDOUT: 'connection timed out',
};

/** `dial tcp 10.42.0.5:80: connect: connection refused` and the like. */
export function dialError(hostPort: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  if (CONNECT[code]) return `dial tcp ${hostPort}: connect: ${CONNECT[code]}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${hostPort.replace(/:\d+$/, '')}: no such host`;
  if (code === 'ECONNRESET') return `read tcp ${hostPort}: read: connection reset by peer`;
  if (code === 'EPIPE') return `write tcp ${hostPort}: write: broken pipe`;
  return `dial tcp ${hostPort}: ${(err as Error)?.message ?? String(err)}`;
}

/** A gRPC status code's Go name (NOT_FOUND -> NotFound). */
export function grpcCodeName(name: string): string {
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
