// tcpSocket probes: healthy when a TCP connection opens within the timeout; the connection is
// closed at once. Failures carry Go's dial error text, as the kubelet's events do.
import { connect } from 'node:net';
import { dialError } from './neterr.js';
import { joinHostPort, type Outcome } from './types.js';

export function tcpProbe(host: string, port: number, timeoutS: number): Promise<Outcome> {
  const hostPort = joinHostPort(host, port);
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ result: 'failure', output: `dial tcp ${hostPort}: i/o timeout` });
    }, timeoutS * 1000);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ result: 'success', output: '' });
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      resolve({ result: 'failure', output: dialError(hostPort, err) });
    });
  });
}
