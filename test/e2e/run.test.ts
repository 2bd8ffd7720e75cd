// kubectl run -i --rm and kubectl attach with real containerd: stdin goes kubectl -> API server ->
// kubelet -> containerd's streaming server -> the container (created with stdin/stdinOnce/tty),
// its output comes back, and --rm deletes the pod after.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ApiError } from '../../src/api/errors.js';
import { BUSYBOX_IMAGE } from '../../src/cri/images/build.js';
import { kubectlPath } from '../helpers/cluster.js';
import { podPath, startNodeCluster, until, type NodeCluster, type Pod } from './node-cluster.js';

let n: NodeCluster;

/** Runs a command with kubectl's environment, feeding it input. */
function run(cmd: string, args: string[], input: string, timeoutMs = 90_000, closeInput = true): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(n.c.dir, 'home'), KUBECONFIG: n.c.kubeconfigPath }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
    // kubectl reads it once the attach is up; the pipe holds it until then
    if (closeInput) child.stdin.end(input);
    else child.stdin.write(input); // script(1) ends the session when its input ends
  });
}

const gone = async (name: string) => {
  try {
    await n.client.json<Pod>('GET', podPath(name));
    return undefined;
  } catch (err) {
    return err instanceof ApiError && err.code === 404 ? true : undefined;
  }
};

describe('kubectl run -i / attach (real containerd)', { timeout: 240_000 }, () => {
  before(async () => {
    assert.ok(kubectlPath(), 'FAIL: /usr/bin/kubectl (v1.32) is required for this test');
    n = await startNodeCluster('run');
  });
  after(async () => {
    await n?.teardown();
  });

  it('kubectl run -i --rm echoes the input and deletes the pod', async () => {
    const r = await run(kubectlPath()!, ['run', 'echo', '-i', '--rm', `--image=${BUSYBOX_IMAGE}`, '--restart=Never', '--', 'sh', '-c', 'read l; echo got $l'], 'hello\n');
    assert.equal(r.code, 0, `kubectl failed: ${r.out}\n${r.err}`);
    assert.match(r.out, /got hello/);
    assert.match(r.out, /pod "echo" deleted/);
    await until('the pod gone', () => gone('echo'));
  });

  it('kubectl run -it gives the container a terminal of the client\'s size', async () => {
    // script(1) gives kubectl a terminal, 33 rows by 99 columns; kubectl sends that size plus one,
    // then the size itself (two resizes, so that programs redraw), which the container waits for
    const line = `stty rows 33 cols 99; ${kubectlPath()} run tty -it --rm --image=${BUSYBOX_IMAGE} --restart=Never -- sh -c 'read l; echo "got $l"; for i in $(seq 100); do [ "$(stty size)" = "33 99" ] && break; sleep 0.1; done; stty size; [ -t 0 ] && echo is-a-tty'`;
    const r = await run('script', ['-qec', line, '/dev/null'], 'typed\n', 90_000, false);
    assert.equal(r.code, 0, `kubectl failed: ${r.out}\n${r.err}`);
    assert.match(r.out, /got typed/);
    assert.match(r.out, /33 99/, 'the terminal size reached the container');
    assert.match(r.out, /is-a-tty/);
    await until('the pod gone', () => gone('tty'));
  });

  it('kubectl attach -i writes to a running container\'s stdin', async () => {
    await n.client.json('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'reader' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: BUSYBOX_IMAGE, stdin: true, command: ['sh', '-c', 'while read l; do echo "got $l"; done; echo stdin-closed; sleep 3600'] }] },
    });
    await until('reader Running', async () => ((await n.client.json<Pod>('GET', podPath('reader'))).status?.phase === 'Running' ? true : undefined));
    const child = spawn(kubectlPath()!, ['attach', 'reader', '-i', '-c', 'main'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(n.c.dir, 'home'), KUBECONFIG: n.c.kubeconfigPath }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      child.stdin.write('first\n');
      await until('the echo of the first line', async () => (out.includes('got first') ? true : undefined), 60_000, 100);
      child.stdin.write('second\n');
      await until('the echo of the second line', async () => (out.includes('got second') ? true : undefined), 30_000, 100);
    } finally {
      child.kill('SIGINT');
    }
    // without stdinOnce the container's stdin stays open after the client leaves
    const logs = await n.c.kubectl(['logs', 'reader']);
    assert.match(logs.stdout, /got first\ngot second\n/);
    assert.doesNotMatch(logs.stdout, /stdin-closed/);
  });
});
