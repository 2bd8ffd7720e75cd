// A minimal SPDY/3.1 client session: it opens streams (odd ids), sends data and FIN, and
// delivers the peer's data, FIN and RST per stream. Server-initiated streams are refused; the
// peer's header blocks are never needed, so they are not decompressed.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  ControlType, FLAG_FIN, FrameParser, HeaderCompressor, RST_CANCEL, dataFrame, pingFrame, rstStreamFrame, streamIdOf,
  synStreamFrame, type Frame, type HeaderList,
} from './frames.js';

const REFUSED_STREAM = 3;
/** Data frames are split to this size (spdystream reads frames of any size; smaller keeps latency low). */
const MAX_DATA = 32 * 1024;

export class SpdyStream extends EventEmitter<{ data: [Buffer]; end: []; reset: [number] }> {
  localEnded = false;
  remoteEnded = false;
  replied = false;
  constructor(readonly id: number, private readonly session: SpdyClientSession) {
    super();
  }

  write(data: Buffer): void {
    if (this.localEnded || !data.length) return;
    for (let off = 0; off < data.length; off += MAX_DATA) this.session.sendRaw(dataFrame(this.id, data.subarray(off, off + MAX_DATA)));
  }

  /** Half-close: a DATA frame with FIN (how stdin EOF reaches the process). */
  end(): void {
    if (this.localEnded) return;
    this.localEnded = true;
    this.session.sendRaw(dataFrame(this.id, Buffer.alloc(0), true));
  }

  reset(status = RST_CANCEL): void {
    if (this.localEnded && this.remoteEnded) return;
    this.localEnded = this.remoteEnded = true;
    this.session.sendRaw(rstStreamFrame(this.id, status));
  }

  /** @internal */
  receive(f: Frame): void {
    if (f.control) return;
    if (f.data.length && !this.remoteEnded) this.emit('data', f.data);
    if (f.flags & FLAG_FIN) this.remoteEnd();
  }

  /** @internal */
  remoteEnd(): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    this.emit('end');
  }
}

export class SpdyClientSession extends EventEmitter<{ close: [Error | undefined] }> {
  private nextId = 1;
  private readonly streams = new Map<number, SpdyStream>();
  private readonly parser = new FrameParser();
  private readonly compressor = new HeaderCompressor();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private goneAway = false;

  constructor(private readonly socket: Duplex, initial?: Buffer) {
    super();
    socket.on('data', (c: Buffer) => this.onBytes(c));
    socket.on('error', (err) => this.shutdown(err));
    socket.on('close', () => this.shutdown(undefined));
    socket.on('end', () => this.shutdown(undefined));
    if (initial?.length) queueMicrotask(() => this.onBytes(initial));
    socket.resume();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Opens a stream with these headers (names are lower-cased on the wire). */
  openStream(headers: HeaderList): SpdyStream {
    if (this.closed || this.goneAway) throw new Error('SPDY session is closed');
    const id = this.nextId;
    this.nextId += 2;
    const s = new SpdyStream(id, this);
    this.streams.set(id, s);
    this.enqueue(async () => synStreamFrame(id, await this.compressor.compress(headers)));
    return s;
  }

  /** @internal frames go out in call order, after any pending SYN_STREAM. */
  sendRaw(frame: Buffer): void {
    this.enqueue(() => frame);
  }

  private enqueue(make: () => Buffer | Promise<Buffer>): void {
    if (this.closed) return;
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      const frame = await make();
      if (!this.closed) this.socket.write(frame);
    }).catch((err: Error) => this.shutdown(err));
  }

  close(): void {
    this.shutdown(undefined);
  }

  private shutdown(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.remoteEnd();
    this.streams.clear();
    this.compressor.close();
    this.socket.destroy();
    this.emit('close', err);
  }

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      this.shutdown(err as Error);
      return;
    }
    for (const f of frames) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    if (!f.control) {
      this.streams.get(f.streamId)?.receive(f);
      return;
    }
    switch (f.type) {
      case ControlType.SynReply: {
        const s = this.streams.get(streamIdOf(f.payload));
        if (!s) return;
        s.replied = true;
        if (f.flags & FLAG_FIN) s.remoteEnd();
        return;
      }
      case ControlType.RstStream: {
        const id = streamIdOf(f.payload);
        const s = this.streams.get(id);
        if (!s) return;
        this.streams.delete(id);
        s.localEnded = true;
        s.emit('reset', f.payload.readUInt32BE(4));
        s.remoteEnd();
        return;
      }
      case ControlType.Ping: {
        const id = f.payload.readUInt32BE(0);
        if (id % 2 === 0) this.sendRaw(pingFrame(id)); // the server's ping: echo it
        return;
      }
      case ControlType.GoAway:
        this.goneAway = true;
        return;
      case ControlType.SynStream:
        this.sendRaw(rstStreamFrame(streamIdOf(f.payload), REFUSED_STREAM));
        return;
      case ControlType.Headers: {
        const s = this.streams.get(streamIdOf(f.payload));
        if (s && f.flags & FLAG_FIN) s.remoteEnd();
        return;
      }
      default:
        return; // SETTINGS, WINDOW_UPDATE: spdystream does no flow control
    }
  }
}
