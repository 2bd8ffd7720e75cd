import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogAssembler, parseCriLogLine, streamLogFile, type LogOptions } from './logs.js';

const T1 = '2024-05-01T10:00:00.000000001Z';
const T2 = '2024-05-01T10:00:01.5Z';
const T3 = '2024-05-01T10:00:02.123456789Z';

test('parseCriLogLine: fields, tags, malformed lines', () => {
  const e = parseCriLogLine(Buffer.from(`${T1} stdout F hello world`));
  assert.deepEqual({ ...e, text: e?.text.toString() }, { time: T1, stream: 'stdout', partial: false, text: 'hello world' });
  assert.equal(parseCriLogLine(Buffer.from(`${T1} stderr P part`))?.partial, true);
  assert.equal(parseCriLogLine(Buffer.from(`${T1} stdout F`))?.text.toString(), '');
  assert.equal(parseCriLogLine(Buffer.from(`${T1} stdin F x`)), undefined);
  assert.equal(parseCriLogLine(Buffer.from('garbage')), undefined);
});

test('LogAssembler joins partial lines per stream across chunk splits', () => {
  const raw = `${T1} stdout P abc\n${T1} stderr F err\n${T2} stdout P def\n${T3} stdout F ghi\n${T3} stdout F \n`;
  for (const split of [1, 5, raw.length]) {
    const a = new LogAssembler();
    const lines = [];
    for (let i = 0; i < raw.length; i += split) lines.push(...a.push(Buffer.from(raw.slice(i, i + split))));
    assert.deepEqual(lines.map((l) => [l.time, l.stream, l.text.toString()]), [
      [T1, 'stderr', 'err\n'],
      [T1, 'stdout', 'abcdefghi\n'],
      [T3, 'stdout', '\n'],
    ]);
  }
});

async function read(path: string, o: LogOptions): Promise<string> {
  let out = '';
  await streamLogFile(path, o, { write: (b) => ((out += b.toString()), true) });
  return out;
}

test('streamLogFile: tailLines, timestamps, since, limitBytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'klt-logs-'));
  try {
    const f = join(dir, '0.log');
    writeFileSync(f, `${T1} stdout F one\n${T2} stderr F two\n${T3} stdout F three\n`);
    assert.equal(await read(f, {}), 'one\ntwo\nthree\n');
    assert.equal(await read(f, { tailLines: 1 }), 'three\n');
    assert.equal(await read(f, { tailLines: 0 }), '');
    assert.equal(await read(f, { tailLines: 5 }), 'one\ntwo\nthree\n');
    assert.equal(await read(f, { timestamps: true, tailLines: 2 }), `${T2} two\n${T3} three\n`);
    assert.equal(await read(f, { since: new Date('2024-05-01T10:00:01Z') }), 'two\nthree\n');
    assert.equal(await read(f, { limitBytes: 6 }), 'one\ntw');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('streamLogFile follow: new lines, rotation, and the end when the container stops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'klt-logs-'));
  const ac = new AbortController();
  try {
    const f = join(dir, '0.log');
    writeFileSync(f, `${T1} stdout F first\n`);
    let running = true;
    const chunks: string[] = [];
    const done = streamLogFile(f, { follow: true, tailLines: 1 }, { write: (b) => (chunks.push(b.toString()), true) }, { signal: ac.signal, pollMs: 10, running: async () => running });
    const until = async (s: string) => {
      for (let i = 0; i < 300 && !chunks.join('').includes(s); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(chunks.join('').includes(s), `saw ${JSON.stringify(s)} in ${JSON.stringify(chunks.join(''))}`);
    };
    await until('first\n');
    appendFileSync(f, `${T2} stdout P se`);
    appendFileSync(f, `c\n${T2} stdout F ond\n`);
    await until('second\n');
    renameSync(f, `${f}.1`);
    writeFileSync(f, `${T3} stdout F after rotation\n`);
    await until('after rotation\n');
    running = false;
    await done;
    assert.equal(chunks.join(''), 'first\nsecond\nafter rotation\n');
  } finally {
    ac.abort();
    rmSync(dir, { recursive: true, force: true });
  }
});
