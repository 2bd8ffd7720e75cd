// SPDY/3.1 framing, just what Kubernetes' streaming protocols use (moby/spdystream on the other
// side): control frames (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS,
// WINDOW_UPDATE), data frames, and header blocks compressed with zlib and the SPDY/3 dictionary
// (one deflate context for everything sent, one inflate context for everything received).
import { createDeflate, createInflate, constants as zc, type Deflate, type Inflate } from 'node:zlib';

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;

export const enum ControlType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

/** RST_STREAM status codes used here. */
export const RST_CANCEL = 5;
export const RST_PROTOCOL_ERROR = 1;

export type Frame =
  | { control: true; type: number; flags: number; payload: Buffer }
  | { control: false; streamId: number; flags: number; data: Buffer };

const DICT_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive',
  'origin',
];
const DICT_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 header compression dictionary (1423 bytes): length-prefixed words, then a tail. */
export const SPDY_DICTIONARY: Buffer = (() => {
  const parts: Buffer[] = [];
  for (const w of DICT_WORDS) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    parts.push(len, Buffer.from(w, 'latin1'));
  }
  parts.push(Buffer.from(DICT_TAIL, 'latin1'));
  return Buffer.concat(parts);
})();

export type HeaderList = Array<[string, string]>;

/** Uncompressed header block: u32 count, then u32 length + name, u32 length + value. */
export function encodeHeaderBlock(headers: HeaderList): Buffer {
  const parts: Buffer[] = [u32(headers.length)];
  for (const [name, value] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(buf: Buffer): HeaderList {
  const out: HeaderList = [];
  let off = 0;
  const read = (): string => {
    if (off + 4 > buf.length) throw new Error('truncated SPDY header block');
    const len = buf.readUInt32BE(off);
    off += 4;
    if (off + len > buf.length) throw new Error('truncated SPDY header block');
    const s = buf.subarray(off, off + len).toString('utf8');
    off += len;
    return s;
  };
  if (buf.length < 4) throw new Error('truncated SPDY header block');
  const count = buf.readUInt32BE(0);
  off = 4;
  for (let i = 0; i < count; i++) {
    const name = read();
    out.push([name, read()]);
  }
  return out;
}

/** A zlib context shared by all blocks of one direction; calls are serialised. */
class ZContext {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly out: Buffer[] = [];
  constructor(private readonly z: Deflate | Inflate) {
    z.on('data', (c: Buffer) => this.out.push(c));
    z.on('error', () => undefined); // surfaced by the flush callback
  }

  run(input: Buffer): Promise<Buffer> {
    const next = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const onError = (err: Error) => reject(err);
          this.z.once('error', onError);
          this.z.write(input);
          this.z.flush(zc.Z_SYNC_FLUSH, () => {
            this.z.off('error', onError);
            resolve(Buffer.concat(this.out.splice(0)));
          });
        }),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.z.destroy();
  }
}

export class HeaderCompressor {
  private readonly ctx = new ZContext(createDeflate({ dictionary: SPDY_DICTIONARY }));
  compress(headers: HeaderList): Promise<Buffer> {
    return this.ctx.run(encodeHeaderBlock(headers));
  }
  close(): void {
    this.ctx.close();
  }
}

export class HeaderDecompressor {
  private readonly ctx = new ZContext(createInflate({ dictionary: SPDY_DICTIONARY }));
  async decompress(block: Buffer): Promise<HeaderList> {
    return decodeHeaderBlock(await this.ctx.run(block));
  }
  close(): void {
    this.ctx.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | (payload.length & 0xffffff), 4);
  return Buffer.concat([h, payload]);
}

export function dataFrame(streamId: number, data: Buffer, fin = false): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | (data.length & 0xffffff), 4);
  return Buffer.concat([h, data]);
}

/** SYN_STREAM with an already compressed header block. */
export function synStreamFrame(streamId: number, compressedHeaders: Buffer, flags = 0, priority = 0): Buffer {
  const p = Buffer.alloc(10);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(0, 4); // associated-to stream
  p.writeUInt8((priority & 0x7) << 5, 8);
  p.writeUInt8(0, 9); // slot
  return controlFrame(ControlType.SynStream, flags, Buffer.concat([p, compressedHeaders]));
}

export function synReplyFrame(streamId: number, compressedHeaders: Buffer, flags = 0): Buffer {
  return controlFrame(ControlType.SynReply, flags, Buffer.concat([u32(streamId & 0x7fffffff), compressedHeaders]));
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  return controlFrame(ControlType.RstStream, 0, Buffer.concat([u32(streamId & 0x7fffffff), u32(status)]));
}

export function pingFrame(id: number): Buffer {
  return controlFrame(ControlType.Ping, 0, u32(id));
}

export function goAwayFrame(lastStreamId: number, status = 0): Buffer {
  return controlFrame(ControlType.GoAway, 0, Buffer.concat([u32(lastStreamId & 0x7fffffff), u32(status)]));
}

/** The stream id at the start of a SYN_STREAM / SYN_REPLY / RST_STREAM / HEADERS payload. */
export function streamIdOf(payload: Buffer): number {
  return payload.readUInt32BE(0) & 0x7fffffff;
}

/** Largest frame payload accepted (spdystream's limit is 16 MiB, the field's maximum). */
const MAX_PAYLOAD = 0xffffff;

/** Splits a byte stream into frames; feed it any chunking. */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (len > MAX_PAYLOAD) throw new Error('SPDY frame too large');
      if (this.buf.length < 8 + len) break;
      const flags = this.buf[4]!;
      const first = this.buf.readUInt32BE(0);
      const body = this.buf.subarray(8, 8 + len);
      if (first & 0x80000000) {
        const version = (first >>> 16) & 0x7fff;
        if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
        frames.push({ control: true, type: first & 0xffff, flags, payload: Buffer.from(body) });
      } else {
        frames.push({ control: false, streamId: first & 0x7fffffff, flags, data: Buffer.from(body) });
      }
      this.buf = this.buf.subarray(8 + len);
    }
    return frames;
  }
}
