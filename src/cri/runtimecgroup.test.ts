import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRuntimeCgroupName, cpuHierarchy, placeInRuntimeCgroup } from './runtimecgroup.js';

const V1_MOUNTS = [
  '30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '32 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '33 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
].join('\n');
const V1_COMOUNTED = '32 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct';
const V2_MOUNTS = '30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate';

test('finds the hierarchy with the cpu controller and our place in it', () => {
  assert.deepEqual(cpuHierarchy(V1_MOUNTS, '4:memory:/x\n2:cpuacct:/\n1:cpu:/user.slice\n0::/\n'), { version: 1, mount: '/sys/fs/cgroup/cpu', own: '/user.slice' });
  assert.deepEqual(cpuHierarchy(V1_COMOUNTED, '3:cpu,cpuacct:/\n'), { version: 1, mount: '/sys/fs/cgroup/cpu,cpuacct', own: '/' });
  assert.deepEqual(cpuHierarchy(V2_MOUNTS, '0::/\n'), { version: 2, mount: '/sys/fs/cgroup', own: '/' });
  assert.equal(cpuHierarchy('30 25 0:26 / /proc rw - proc proc rw', '0::/\n'), undefined);
});

test('cgroup v1: a child of our cpu cgroup with one thread\'s shares, holding the process', () => {
  const mount = mkdtempSync(join(tmpdir(), 'klt-cg1-'));
  try {
    mkdirSync(join(mount, 'user.slice'));
    const dir = placeInRuntimeCgroup(4242, 'kubelite-runtime', { version: 1, mount, own: '/user.slice' });
    assert.equal(dir, join(mount, 'user.slice', 'kubelite-runtime'));
    assert.equal(readFileSync(join(dir, 'cpu.shares'), 'utf8'), '1024');
    assert.equal(readFileSync(join(dir, 'cgroup.procs'), 'utf8'), '4242');
  } finally {
    rmSync(mount, { recursive: true, force: true });
  }
});

test('cgroup v2: a child of the root with the cpu controller enabled and weight 100; refused away from the root', () => {
  const mount = mkdtempSync(join(tmpdir(), 'klt-cg2-'));
  try {
    writeFileSync(join(mount, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    writeFileSync(join(mount, 'cgroup.subtree_control'), 'memory\n');
    const dir = placeInRuntimeCgroup(77, 'rt', { version: 2, mount, own: '/' });
    assert.equal(readFileSync(join(mount, 'cgroup.subtree_control'), 'utf8'), '+cpu');
    assert.equal(readFileSync(join(dir, 'cpu.weight'), 'utf8'), '100');
    assert.equal(readFileSync(join(dir, 'cgroup.procs'), 'utf8'), '77');
    assert.throws(() => placeInRuntimeCgroup(77, 'rt', { version: 2, mount, own: '/system.slice/kubelite.service' }), /allows no cpu-controlled child/);
    writeFileSync(join(mount, 'cgroup.controllers'), 'memory pids\n');
    assert.throws(() => placeInRuntimeCgroup(77, 'rt', { version: 2, mount, own: '/' }), /no cpu controller/);
  } finally {
    rmSync(mount, { recursive: true, force: true });
  }
});

test('the name is one cgroup directory, never a path', () => {
  checkRuntimeCgroupName('kubelite-runtime');
  checkRuntimeCgroupName('runtime.slice');
  for (const bad of ['../etc', 'a/b', '..', '.', 'a b']) assert.throws(() => checkRuntimeCgroupName(bad), /--runtime-cgroups/, bad);
});
