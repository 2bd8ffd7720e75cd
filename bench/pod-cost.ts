// node dist/bench/pod-cost.js — the runtime side's CPU per pod (run as root, under the e2e lock):
// containerd as the agent configures it (src/cri/containerd-config.ts) with the agent's CNI
// conflist (src/kubelet/cni.ts) and node-level network setup (src/kubelet/network.ts), pods of
// one busybox container made one at a time through the CRI (RunPodSandbox + CreateContainer +
// StartContainer), then stopped and removed one at a time. CPU is read from cgroup v1 cpuacct:
// containerd is moved into a cgroup of its own before the first pod, so every shim, runc, CNI
// plugin and iptables it spawns is counted there; the pods' own cgroups (runc init, sleep) apart.
//   COST_PODS=20        pods per round
//   COST_ROUNDS=2       rounds (add all, delete all), the first one is a warm-up and not reported
//   COST_PERF=1         perf record -a during the measured round: CPU ms per pod by command name
//   COST_STRACE=1       an extra round under strace -f: execs per pod by program
//   COST_CNI=FILE       a conflist to use instead of the agent's
//   COST_CNI_B=FILE     A/B: rounds alternate between the conflist above and this one (COST_ROUNDS each, the first of each not reported)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRuntime } from '../src/cri/containerd.js';
import { BUSYBOX_IMAGE } from '../src/cri/images/build.js';
import type { CriClient } from '../src/cri/client.js';
import type { PodSandboxConfig } from '../src/cri/types.js';
import { cniConfig, writeCniConfig } from '../src/kubelet/cni.js';
import { createLogger } from '../src/util/logger.js';
import { sleep } from './lib.js';

const PODS = Number(process.env.COST_PODS ?? 20);
const ROUNDS = Number(process.env.COST_ROUNDS ?? 2);
const BRIDGE = 'klcost0';
const POD_CIDR = '10.233.77.0/24';
const RT_CG = 'kubelite-cost-rt';
const POD_CG = 'kubelite-cost-pods';
const CPUACCT = '/sys/fs/cgroup/cpuacct';

const usage = (cg: string) => (existsSync(join(CPUACCT, cg, 'cpuacct.usage')) ? Number(readFileSync(join(CPUACCT, cg, 'cpuacct.usage'), 'utf8')) / 1e6 : 0);

function moveTree(pid: number, cg: string): void {
  writeFileSync(join(CPUACCT, cg, 'cgroup.procs'), String(pid));
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === pid) moveTree(Number(p), cg);
    } catch {
      // gone
    }
  }
}

async function onePod(cri: CriClient, dir: string, name: string): Promise<string> {
  const uid = randomUUID();
  const logDirectory = join(dir, 'logs', uid);
  mkdirSync(logDirectory, { recursive: true });
  const ns = { namespaceOptions: { network: 'POD' as const, pid: 'CONTAINER' as const, ipc: 'POD' as const } };
  const cfg = { metadata: { name, uid, namespace: 'cost', attempt: 0 }, hostname: name, logDirectory, labels: {}, linux: { cgroupParent: `/${POD_CG}/pod${uid}`, securityContext: ns } } as unknown as PodSandboxConfig;
  const sb = await cri.runPodSandbox(cfg);
  const id = await cri.createContainer(sb, { metadata: { name: 'main', attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ['sleep', '3600'], logPath: 'main/0.log', linux: { securityContext: ns } } as never, cfg);
  await cri.startContainer(id);
  return sb;
}

function startPerf(file: string) {
  const p = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-a', '-F', '997', '-o', file], { stdio: 'ignore' });
  return async () => {
    p.kill('SIGINT');
    await new Promise((r) => p.once('exit', r));
    const out = execFileSync('perf', ['script', '-i', file, '-F', 'comm'], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const by = new Map<string, number>();
    for (const c of out.split('\n')) if (c.trim()) by.set(c.trim(), (by.get(c.trim()) ?? 0) + 1);
    return by;
  };
}

function perfTable(by: Map<string, number>, pods: number): string {
  const interesting = /^(containerd|runc|bridge|host-local|portmap|loopback|iptables|ip6tables|nft|xtables|exe|kworker|ksoftirqd|swapper|sleep|pause|busybox)/;
  const groups = new Map<string, number>();
  for (const [c, n] of by) {
    const g = interesting.test(c) ? c.replace(/\/.*$/, '').replace(/^runc:.*/, 'runc:[init]').replace(/^containerd-shim.*/, 'containerd-shim') : 'other (node, other helpers)';
    groups.set(g, (groups.get(g) ?? 0) + n);
  }
  return [...groups].sort((a, b) => b[1] - a[1]).map(([g, n]) => `    ${((n / 997) * 1000 / pods).toFixed(1).padStart(7)} ms/pod  ${g}`).join('\n');
}

async function main(): Promise<void> {
  const base = mkdtempSync('/tmp/kubelite-cost-');
  const log = createLogger({ level: 'warn', name: 'pod-cost' });
  const ac = new AbortController();
  for (const cg of [RT_CG, POD_CG]) mkdirSync(join(CPUACCT, cg), { recursive: true });
  try {
    const rt = await startRuntime({ dataDir: base, log }, ac.signal);
    const cri = rt.client;
    const conf = process.env.COST_CNI ? (JSON.parse(readFileSync(process.env.COST_CNI, 'utf8')) as Record<string, unknown>) : cniConfig({ podCIDR: POD_CIDR, bridge: BRIDGE, ipamDataDir: join(base, 'ipam') });
    writeCniConfig(rt.paths.cniConfDir, conf);
    for (let i = 0; i < 100; i++) {
      if ((await cri.status()).find((c) => c.type === 'NetworkReady')?.status) break;
      await sleep(50);
    }
    moveTree(rt.pid()!, RT_CG);
    process.stdout.write(`pod-cost: ${PODS} pods per round, CNI ${JSON.stringify((conf.plugins as { type: string }[]).map((p) => p.type))}\n`);
    // COST_CNI_B: rounds alternate between the two conflists (containerd reloads the conf dir), so both see the same load
    const confB = process.env.COST_CNI_B ? (JSON.parse(readFileSync(process.env.COST_CNI_B, 'utf8')) as Record<string, unknown>) : undefined;
    const results: Record<'A' | 'B', { add: number[]; del: number[] }> = { A: { add: [], del: [] }, B: { add: [], del: [] } };
    const rounds = confB ? ROUNDS * 2 : ROUNDS;
    for (let r = 0; r < rounds; r++) {
      const which = confB && r % 2 === 1 ? 'B' : 'A';
      if (confB) {
        writeCniConfig(rt.paths.cniConfDir, which === 'B' ? confB : conf);
        await sleep(1000); // containerd's conf dir watcher
      }
      const report = confB ? r >= 2 : r === ROUNDS - 1;
      const perf = report && !confB && process.env.COST_PERF ? startPerf(join(base, 'perf-add.data')) : undefined;
      const a0 = [usage(RT_CG), usage(POD_CG), performance.now()];
      const sbs: string[] = [];
      for (let i = 0; i < PODS; i++) sbs.push(await onePod(cri, base, `cost-${r}-${i}`));
      const a1 = [usage(RT_CG), usage(POD_CG), performance.now()];
      const addPerf = await perf?.();
      const perfDel = report && !confB && process.env.COST_PERF ? startPerf(join(base, 'perf-del.data')) : undefined;
      for (const sb of sbs) {
        await cri.stopPodSandbox(sb);
        await cri.removePodSandbox(sb);
      }
      const a2 = [usage(RT_CG), usage(POD_CG), performance.now()];
      const delPerf = await perfDel?.();
      const per = (x: number[], y: number[]) => `runtime ${((y[0]! - x[0]!) / PODS).toFixed(1)} ms, pod cgroups ${((y[1]! - x[1]!) / PODS).toFixed(1)} ms, wall ${((y[2]! - x[2]!) / PODS).toFixed(0)} ms`;
      if (!report) continue;
      results[which].add.push((a1[0]! - a0[0]!) / PODS);
      results[which].del.push((a2[0]! - a1[0]!) / PODS);
      process.stdout.write(`  ${confB ? `[${which}] ` : ''}start: CPU per pod ${per(a0, a1)}\n  ${confB ? `[${which}] ` : ''}delete: CPU per pod ${per(a1, a2)}\n`);
      if (addPerf) process.stdout.write(`  start, perf by command:\n${perfTable(addPerf, PODS)}\n`);
      if (delPerf) process.stdout.write(`  delete, perf by command:\n${perfTable(delPerf, PODS)}\n`);
    }
    if (confB) {
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(1);
      process.stdout.write(`  median runtime CPU ms/pod: A (${process.env.COST_CNI ?? "the agent's conflist"}) start ${med(results.A.add)}, delete ${med(results.A.del)}; B (${process.env.COST_CNI_B}) start ${med(results.B.add)}, delete ${med(results.B.del)}\n`);
    }
    if (process.env.COST_STRACE) {
      const out = join(base, 'strace.txt');
      const st = spawn('strace', ['-f', '-qq', '-e', 'trace=execve', '-e', 'signal=none', '-o', out, '-p', String(rt.pid())], { stdio: 'ignore' });
      await sleep(500);
      const sbs: string[] = [];
      for (let i = 0; i < PODS; i++) sbs.push(await onePod(cri, base, `cost-st-${i}`));
      await sleep(300);
      const addLines = existsSync(out) ? readFileSync(out, 'utf8').split('\n').length : 0;
      for (const sb of sbs) {
        await cri.stopPodSandbox(sb);
        await cri.removePodSandbox(sb);
      }
      await sleep(300);
      st.kill('SIGINT');
      await new Promise((r) => st.once('exit', r));
      const lines = readFileSync(out, 'utf8').split('\n');
      if (process.env.COST_STRACE_KEEP) writeFileSync(process.env.COST_STRACE_KEEP, lines.join('\n'));
      const count = (ls: string[]) => {
        const by = new Map<string, number>();
        for (const l of ls) {
          const m = /execve\("([^"]+)", \[([^\]]*)\]/.exec(l);
          if (!m || / = -1 /.test(l)) continue;
          const argv = m[2]!.split(', ').map((s) => s.replace(/^"|"$/g, ''));
          const prog = m[1]!.split('/').pop()!;
          const k = /iptables/.test(prog) ? `${prog} ${argv.slice(1).filter((a) => /^-[A-Z]$|^-t$|^(nat|filter)$/.test(a)).join(' ')}` : prog === 'runc' || prog.startsWith('containerd-shim') ? `${prog} ${argv.find((a) => /^(create|start|delete|kill|state|init|features)$/.test(a)) ?? ''}` : prog;
          by.set(k, (by.get(k) ?? 0) + 1);
        }
        return [...by].sort((a, b) => b[1] - a[1]).map(([k, n]) => `    ${(n / PODS).toFixed(1).padStart(5)}/pod  ${k}`).join('\n');
      };
      process.stdout.write(`  execs per pod started:\n${count(lines.slice(0, addLines))}\n  execs per pod deleted:\n${count(lines.slice(addLines))}\n`);
    }
  } finally {
    ac.abort();
    await sleep(2000);
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(base)) process.kill(Number(p), 'SIGKILL');
      } catch {
        // gone
      }
    }
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(base)).sort((a, b) => b.length - a.length);
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    for (const h of readdirSync('/sys/fs/cgroup')) for (const cg of [POD_CG, RT_CG]) removeTree(join('/sys/fs/cgroup', h, cg));
    spawnSync('ip', ['link', 'del', BRIDGE]);
    if (process.env.COST_PERF_KEEP) for (const f of ['perf-add.data', 'perf-del.data']) if (existsSync(join(base, f))) execFileSync('cp', [join(base, f), process.env.COST_PERF_KEEP]);
    rmSync(base, { recursive: true, force: true });
  }
}

function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // a process still in it
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`pod-cost failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
