import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureStateTmpfs, mountPoints } from './containerd.js';
import { createLogger } from '../util/logger.js';

test('mountPoints: mount point and file system type of each mountinfo line, escapes decoded', () => {
  const info = [
    '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    '95 22 0:52 / /var/lib/kubelite/agent/containerd/state rw,relatime shared:50 - tmpfs kubelite-containerd-state rw,mode=711',
    '96 22 0:53 / /tmp/a\\040b rw - overlay overlay rw,lowerdir=/x',
    '',
  ].join('\n');
  const m = mountPoints(info);
  assert.equal(m.get('/'), 'ext4');
  assert.equal(m.get('/var/lib/kubelite/agent/containerd/state'), 'tmpfs');
  assert.equal(m.get('/tmp/a b'), 'overlay');
  assert.equal(m.size, 3);
});

test('ensureStateTmpfs leaves a state dir with files in it on disk (containers may still run from it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-state-'));
  try {
    writeFileSync(join(dir, 'leftover'), '');
    assert.equal(ensureStateTmpfs(dir, createLogger({ level: 'error', name: 'test' })), 'disk');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
