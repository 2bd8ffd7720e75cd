// The mount table of pod teardown: one read shared while fresh, read again after our own mount
// or unmount and once stale; escaped spaces; an unreadable table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MountTable } from './index.js';

test('pods torn down together share one read of /proc/mounts; a mount or unmount of ours, or time, makes the next question read it again', () => {
  let text = ['proc /proc proc rw 0 0', 'tmpfs /var/lib/kubelite/pods/a/_volumes/empty-dir/cache tmpfs rw 0 0', 'tmpfs /var/lib/kubelite/pods/a/_volumes/empty-dir/my\\040dir tmpfs rw 0 0', 'overlay /run/x/rootfs overlay rw 0 0', ''].join('\n');
  let now = 0;
  const t = new MountTable(() => text, () => now, 500);
  assert.deepEqual(t.under('/var/lib/kubelite/pods/a'), ['/var/lib/kubelite/pods/a/_volumes/empty-dir/my dir', '/var/lib/kubelite/pods/a/_volumes/empty-dir/cache'], 'the deepest first; \\040 is a space');
  assert.deepEqual(t.under('/var/lib/kubelite/pods/b'), []);
  assert.deepEqual(t.under('/var/lib/kubelite/pods/a/_volumes/empty-dir/cache'), ['/var/lib/kubelite/pods/a/_volumes/empty-dir/cache'], 'the dir itself counts');
  assert.equal(t.reads, 1, 'one read while the list is fresh');
  text += 'tmpfs /var/lib/kubelite/pods/b/_volumes/empty-dir/x tmpfs rw 0 0\n';
  t.changed();
  assert.deepEqual(t.under('/var/lib/kubelite/pods/b'), ['/var/lib/kubelite/pods/b/_volumes/empty-dir/x'], 'our own mount is seen at once');
  assert.equal(t.reads, 2);
  text = 'proc /proc proc rw 0 0\n';
  now = 499;
  assert.equal(t.under('/var/lib/kubelite/pods/a').length, 2, 'fresh: the list read before');
  now = 500;
  assert.deepEqual(t.under('/var/lib/kubelite/pods/a'), [], 'stale: read again');
  assert.equal(t.reads, 3);
});

test('an unreadable mount table lists nothing and is asked again next time', () => {
  let fail = true;
  const t = new MountTable(() => {
    if (fail) throw new Error('EACCES');
    return 'tmpfs /p/x tmpfs rw 0 0\n';
  }, () => 0);
  assert.deepEqual(t.under('/p'), []);
  fail = false;
  assert.deepEqual(t.under('/p'), ['/p/x']);
  assert.equal(t.reads, 2);
});
