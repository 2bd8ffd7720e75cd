// The API server's end of client/threadtransport.ts: requests and watches that components on
// a worker thread send over a MessagePort run through the in-process transport (local.ts),
// with the credentials of `token`, and their answers go back as messages.
import type { MessagePort } from 'node:worker_threads';
import type { FromHost, ToHost } from '../client/threadtransport.js';
import type { Transport } from '../client/transport.js';
import { localTransport } from './local.js';
import type { ApiServer } from './server.js';

export interface ThreadHost {
  /** End every watch and stop answering. */
  close(): void;
}

export function hostThreadChannel(api: ApiServer, token: string, port: MessagePort): ThreadHost {
  const transports = new Map<string, Transport>();
  const transportFor = (ua: string): Transport => {
    let t = transports.get(ua);
    if (!t) transports.set(ua, (t = localTransport(api, token, ua)));
    return t;
  };
  const watches = new Map<number, AbortController>();
  let closed = false;
  // Answers and watch chunks of one turn of the event loop go out as one message: a message
  // costs both threads a fixed price (clone, port, event dispatch), and a burst of events or
  // answers is many small ones.
  let outbox: FromHost[] = [];
  const flush = (): void => {
    const ms = outbox;
    outbox = [];
    if (!closed && ms.length > 0) port.postMessage(ms.length === 1 ? ms[0] : ms);
  };
  const reply = (m: FromHost): void => {
    if (closed) return;
    if (outbox.push(m) === 1) setImmediate(flush);
  };

  port.on('message', (msg: ToHost | ToHost[]) => {
    if (Array.isArray(msg)) for (const m of msg) receive(m);
    else receive(msg);
  });

  const receive = (m: ToHost): void => {
    if (closed) return;
    if (m.t === 'req') {
      const body = m.body ? Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength) : undefined;
      transportFor(m.ua)
        .request(m.method, m.path, body, m.ct)
        .then(
          (r) => reply({ t: 'res', id: m.id, status: r.status, text: r.text }),
          (err: unknown) => reply({ t: 'res', id: m.id, status: 500, text: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'InternalError', message: (err as Error).message, code: 500 }) }),
        );
    } else if (m.t === 'watch') {
      const ac = new AbortController();
      watches.set(m.id, ac);
      transportFor(m.ua)
        .stream(m.path, (chunk) => reply({ t: 'data', id: m.id, chunk }), ac.signal)
        .then(
          () => reply({ t: 'end', id: m.id }),
          (err: Error & { code?: number }) => reply({ t: 'err', id: m.id, code: err.code ?? 500, message: err.message }),
        )
        .finally(() => watches.delete(m.id));
    } else if (m.t === 'abort') {
      watches.get(m.id)?.abort();
    }
  };

  return {
    close(): void {
      if (closed) return;
      closed = true;
      for (const ac of watches.values()) ac.abort();
      watches.clear();
      port.close();
    },
  };
}
