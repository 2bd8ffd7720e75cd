// A Transport (transport.ts) to an API server running on another thread of this process:
// requests and watches travel as messages over a MessagePort to apiserver/threadhost.ts,
// which runs them through the in-process transport (apiserver/local.ts) on the API server's
// thread. So components on a worker thread (server/components.ts) make exactly the requests
// they would make in-process, while their decoding, caches and logic run on another core.
import type { MessagePort } from 'node:worker_threads';
import type { Transport, TransportReply } from './transport.js';

/** Messages to the API server's thread. */
export type ToHost =
  | { t: 'req'; id: number; ua: string; method: string; path: string; body?: Uint8Array; ct: string }
  | { t: 'watch'; id: number; ua: string; path: string }
  | { t: 'abort'; id: number };

/** Messages from the API server's thread. */
export type FromHost =
  | { t: 'res'; id: number; status: number; text: string }
  | { t: 'data'; id: number; chunk: string }
  | { t: 'end'; id: number }
  | { t: 'err'; id: number; code: number; message: string };

interface Call {
  resolve(r: TransportReply): void;
}

interface Stream {
  onData(chunk: string): void;
  resolve(): void;
  reject(err: Error): void;
}

/** One port to the API server's thread, shared by the transports of every component on this thread. */
export class ThreadChannel {
  private nextId = 1;
  private readonly calls = new Map<number, Call>();
  private readonly streams = new Map<number, Stream>();
  private closed = false;

  /** messages of this turn not sent yet: they go as one (see apiserver/threadhost.ts) */
  private outbox: ToHost[] = [];

  constructor(private readonly port: MessagePort) {
    port.on('message', (msg: FromHost | FromHost[]) => {
      if (Array.isArray(msg)) for (const m of msg) this.receive(m);
      else this.receive(msg);
    });
  }

  private receive(m: FromHost): void {
    if (m.t === 'res') {
      const c = this.calls.get(m.id);
      this.calls.delete(m.id);
      c?.resolve({ status: m.status, text: m.text });
      return;
    }
    const s = this.streams.get(m.id);
    if (!s) return;
    if (m.t === 'data') return s.onData(m.chunk);
    this.streams.delete(m.id);
    if (m.t === 'end') s.resolve();
    else s.reject(Object.assign(new Error(m.message), { code: m.code }));
  }

  private send(m: ToHost): void {
    if (this.outbox.push(m) === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const ms = this.outbox;
    this.outbox = [];
    if (!this.closed && ms.length > 0) this.port.postMessage(ms.length === 1 ? ms[0] : ms);
  }

  /** A transport whose requests carry this User-Agent (the host adds the credentials). */
  transport(ua: string): Transport {
    return {
      request: (method, path, body, ct) =>
        new Promise<TransportReply>((resolve, reject) => {
          if (this.closed) return reject(new Error('the API server thread channel is closed'));
          const id = this.nextId++;
          this.calls.set(id, { resolve });
          // a view of Node's shared pool would be cloned with the whole pool: send its bytes only
          const own = body && (body.byteOffset !== 0 || body.byteLength !== body.buffer.byteLength) ? new Uint8Array(body) : body;
          this.send({ t: 'req', id, ua, method, path, ct, ...(own ? { body: own } : {}) });
        }),
      stream: (path, onData, signal) =>
        new Promise<void>((resolve, reject) => {
          if (signal.aborted) return resolve();
          if (this.closed) return reject(new Error('the API server thread channel is closed'));
          const id = this.nextId++;
          const onAbort = () => {
            if (!this.streams.delete(id)) return;
            this.send({ t: 'abort', id });
            resolve();
          };
          this.streams.set(id, {
            onData,
            resolve: () => (signal.removeEventListener('abort', onAbort), resolve()),
            reject: (err) => (signal.removeEventListener('abort', onAbort), reject(err)),
          });
          signal.addEventListener('abort', onAbort, { once: true });
          this.send({ t: 'watch', id, ua, path });
        }),
    };
  }

  /** Fail what is in flight and stop listening. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.calls.values()) c.resolve({ status: 503, text: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'ServiceUnavailable', message: 'the API server is shutting down', code: 503 }) });
    this.calls.clear();
    for (const s of this.streams.values()) s.resolve();
    this.streams.clear();
    this.port.close();
  }
}
