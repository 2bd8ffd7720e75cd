// Pod cgroup paths: the processes of a container read from its cgroup (v1 memory hierarchy or v2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerPids, podCgroupParent } from './cgroups.js';

test('containerPids: the pids in <parent>/<containerID>, cgroup v1 (memory) or v2; undefined when absent', () => {
  const base = mkdtempSync(join(tmpdir(), 'kubelite-cgroups-'));
  try {
    const parent = podCgroupParent('kubelite', 'u1');
    mkdirSync(join(base, 'memory', parent, 'c1'), { recursive: true });
    writeFileSync(join(base, 'memory', parent, 'c1', 'cgroup.procs'), '123\n456\n');
    assert.deepEqual(containerPids(parent, 'c1', base), [123, 456]);
    mkdirSync(join(base, parent, 'c2'), { recursive: true });
    writeFileSync(join(base, parent, 'c2', 'cgroup.procs'), '789\n');
    assert.deepEqual(containerPids(parent, 'c2', base), [789]);
    assert.equal(containerPids(parent, 'c3', base), undefined);
    writeFileSync(join(base, 'memory', parent, 'c1', 'cgroup.procs'), '');
    assert.deepEqual(containerPids(parent, 'c1', base), [], 'exited already: no pids');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
