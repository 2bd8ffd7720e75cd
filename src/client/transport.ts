// How a RestClient reaches the API server. Remote components use HTTPS (rest.ts, watch.ts);
// components running inside `kubelite server` may be handed an in-process transport instead
// (apiserver/local.ts): the same requests and the same API handlers, without TLS, sockets or
// HTTP parsing, which cost more than the handlers themselves on the scheduler's binding path.

export interface TransportReply {
  status: number;
  text: string;
}

export interface Transport {
  /** One request; resolves with the status and body of any answer (errors are the caller's). */
  request(method: string, path: string, body: Buffer | undefined, contentType: string): Promise<TransportReply>;
  /**
   * A streaming request (a watch): onData gets the body as it comes. Resolves when the
   * server ends the stream or the signal aborts; rejects, with `code` set to the HTTP status,
   * when the answer is not 200.
   */
  stream(path: string, onData: (chunk: string) => void, signal: AbortSignal): Promise<void>;
}
