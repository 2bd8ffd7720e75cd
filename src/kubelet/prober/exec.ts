// exec probes: the command runs in the container through CRI ExecSync with the probe's timeout;
// exit code 0 is healthy. The output (stdout then stderr, at most 10 KiB) is what the Unhealthy
// event shows. A timeout is a failure; a runtime that cannot exec at all is a probe error.
import type { CriClient } from '../../cri/client.js';
import { CriError, CriTimeoutError } from '../../cri/errors.js';
import { codeName } from '../../cri/unary.js';
import { grpcCodeName } from './neterr.js';
import { ProbeError, type Outcome } from './types.js';

export type ExecRunner = Pick<CriClient, 'execSync'>;

const MAX_OUTPUT = 10 * 1024;

/** A CRI failure as Go's gRPC client prints it. */
export function rpcErrorText(err: CriError): string {
  return `rpc error: code = ${grpcCodeName(codeName(err.code) ?? 'UNKNOWN')} desc = ${err.details}`;
}

export async function execProbe(cri: ExecRunner, containerId: string, cmd: string[], timeoutS: number): Promise<Outcome> {
  try {
    const r = await cri.execSync(containerId, cmd, timeoutS);
    const output = Buffer.concat([r.stdout, r.stderr]).subarray(0, MAX_OUTPUT).toString('utf8');
    return { result: r.exitCode === 0 ? 'success' : 'failure', output };
  } catch (err) {
    if (err instanceof CriTimeoutError) return { result: 'failure', output: '' };
    if (err instanceof CriError) throw new ProbeError(rpcErrorText(err));
    throw err;
  }
}
