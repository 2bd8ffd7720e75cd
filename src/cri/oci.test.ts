import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createTar, listTar, readTarMember, tarHeader } from './images/tar.js';
import { buildOciArchive, readOciArchiveImages, refTag, MEDIA_TYPES, ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, type Descriptor } from './images/oci.js';
import { busyboxLayer } from './images/build.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'klt-oci-'));
}

function hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

test('tar header: ustar magic, checksum, octal fields', () => {
  const h = tarHeader({ type: 'file', path: 'a/b.txt', data: Buffer.from('hello') });
  assert.equal(h.length, 512);
  assert.equal(h.subarray(257, 263).toString(), 'ustar\0');
  assert.equal(h.subarray(124, 135).toString(), '00000000005');
  const stored = parseInt(h.subarray(148, 154).toString(), 8);
  const copy = Buffer.from(h);
  copy.fill(0x20, 148, 156);
  assert.equal(stored, copy.reduce((a, b) => a + b, 0));
});

test('tar round trip: files, dirs, symlinks, hardlinks and long paths', () => {
  const long = `${'d'.repeat(80)}/${'e'.repeat(60)}/file.txt`;
  const tar = createTar([
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/x', data: Buffer.alloc(513, 1), mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: '/bin/x' },
    { type: 'hardlink', path: 'bin/y', target: 'bin/x' },
    { type: 'file', path: long, data: Buffer.from('deep') },
  ]);
  assert.equal(tar.length % 512, 0);
  const dir = tmp();
  try {
    const file = join(dir, 't.tar');
    writeFileSync(file, tar);
    const members = listTar(file);
    assert.deepEqual(members.map((m) => [m.path, m.type]), [['bin/', '5'], ['bin/x', '0'], ['bin/sh', '2'], ['bin/y', '1'], [long, '0']]);
    assert.equal(readTarMember(file, members[4]!).toString(), 'deep');
    assert.equal(readTarMember(file, members[1]!).length, 513);
    // GNU tar agrees, when it is installed
    let listing = '';
    try {
      listing = execFileSync('tar', ['-tvf', file], { encoding: 'utf8' });
    } catch {
      return;
    }
    assert.match(listing, /bin\/sh -> \/bin\/x/);
    assert.match(listing, /bin\/y link to bin\/x/);
    assert.ok(listing.includes(long));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refTag', () => {
  assert.equal(refTag('kubelite.local/busybox:1.36'), '1.36');
  assert.equal(refTag('localhost:5000/app'), 'latest');
  assert.equal(refTag('busybox'), 'latest');
});

test('OCI archive: layout, index annotations, digests and sizes', () => {
  const layer = busyboxLayer(Buffer.from('#!fake busybox'), ['bin/sh', 'usr/bin/wget', 'bin/sleep']);
  const built = buildOciArchive({ name: 'kubelite.local/test:1.0', layers: [layer], config: { Cmd: ['sh'] }, architecture: 'amd64' });
  const dir = tmp();
  try {
    const file = join(dir, 'img.tar');
    writeFileSync(file, built.archive);
    const members = new Map(listTar(file).map((m) => [m.path, m]));
    const read = (p: string) => readTarMember(file, members.get(p)!);
    assert.deepEqual(JSON.parse(read('oci-layout').toString()), { imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(read('index.json').toString()) as { schemaVersion: number; mediaType: string; manifests: Descriptor[] };
    assert.equal(index.schemaVersion, 2);
    assert.equal(index.mediaType, MEDIA_TYPES.index);
    const [desc] = index.manifests;
    assert.equal(desc!.annotations![ANNOTATION_IMAGE_NAME], 'kubelite.local/test:1.0');
    assert.equal(desc!.annotations![ANNOTATION_REF_NAME], '1.0');
    assert.deepEqual(desc!.platform, { architecture: 'amd64', os: 'linux' });
    // every blob is stored under its own digest with the size its descriptor says
    const blob = (d: Descriptor) => {
      const b = read(`blobs/sha256/${d.digest.slice(7)}`);
      assert.equal(`sha256:${hex(b)}`, d.digest);
      assert.equal(b.length, d.size);
      return b;
    };
    const manifest = JSON.parse(blob(desc!).toString()) as { mediaType: string; config: Descriptor; layers: Descriptor[] };
    assert.equal(manifest.mediaType, MEDIA_TYPES.manifest);
    assert.equal(manifest.config.mediaType, MEDIA_TYPES.config);
    const config = JSON.parse(blob(manifest.config).toString()) as { os: string; config: { Cmd: string[] }; rootfs: { diff_ids: string[] } };
    assert.equal(config.os, 'linux');
    assert.deepEqual(config.config.Cmd, ['sh']);
    assert.equal(manifest.layers[0]!.mediaType, MEDIA_TYPES.layerGzip);
    const layerTar = gunzipSync(blob(manifest.layers[0]!));
    assert.deepEqual(config.rootfs.diff_ids, [`sha256:${hex(layerTar)}`]);
    assert.equal(built.configDigest, manifest.config.digest);

    const layerFile = join(dir, 'layer.tar');
    writeFileSync(layerFile, layerTar);
    const paths = listTar(layerFile).map((m) => `${m.path}:${m.type}`);
    for (const want of ['bin/busybox:0', 'bin/sh:2', 'usr/bin/wget:2', 'tmp/:5', 'etc/passwd:0']) assert.ok(paths.includes(want), want);

    assert.deepEqual(readOciArchiveImages(file), [{ name: 'kubelite.local/test:1.0', manifestDigest: desc!.digest, configDigest: built.configDigest }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OCI archives are reproducible', () => {
  const layer = busyboxLayer(Buffer.from('x'), ['bin/sh']);
  const a = buildOciArchive({ name: 'a/b:c', layers: [layer], config: {} });
  const b = buildOciArchive({ name: 'a/b:c', layers: [layer], config: {} });
  assert.equal(hex(a.archive), hex(b.archive));
});

test('readOciArchiveImages: a tar without index.json has no images', () => {
  const dir = tmp();
  try {
    const file = join(dir, 'x.tar');
    writeFileSync(file, createTar([{ type: 'file', path: 'manifest.json', data: Buffer.from('[]') }]));
    assert.deepEqual(readOciArchiveImages(file), []);
    assert.equal(readFileSync(file).length % 512, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('isStaticElf: Debian busybox-static yes, node (dynamic) no', async () => {
  const { isStaticElf } = await import('./images/build.js');
  const { existsSync } = await import('node:fs');
  assert.equal(isStaticElf(readFileSync(process.execPath)), false);
  assert.equal(isStaticElf(Buffer.from('#!/bin/sh\n')), false);
  if (existsSync('/bin/busybox')) assert.equal(isStaticElf(readFileSync('/bin/busybox')), true);
});
