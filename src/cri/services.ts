// The CRI services as grpc-js service definitions, from the same protobufjs reflection as the
// client's methods: for gRPC servers that speak CRI (the client's tests serve a fake runtime).
// The client itself does not use grpc-js (see unary.ts).
import * as grpc from '@grpc/grpc-js';
import { criMethods, TO_OBJECT } from './client.js';

let cached: { runtime: grpc.ServiceClientConstructor; image: grpc.ServiceClientConstructor } | undefined;

export function criServices(): { runtime: grpc.ServiceClientConstructor; image: grpc.ServiceClientConstructor } {
  if (cached) return cached;
  const service = (name: 'RuntimeService' | 'ImageService'): grpc.ServiceClientConstructor => {
    const def: Record<string, grpc.MethodDefinition<object, object>> = {};
    for (const [method, m] of criMethods()) {
      if (m.service !== name) continue;
      const req = m.requestType;
      const res = m.responseType;
      def[method] = {
        path: m.path,
        requestStream: false,
        responseStream: false,
        requestSerialize: (o: object) => Buffer.from(m.encode(o)),
        requestDeserialize: (b: Buffer) => req.toObject(req.decode(b), TO_OBJECT),
        responseSerialize: (o: object) => Buffer.from(res.encode(res.fromObject(o)).finish()),
        responseDeserialize: (b: Buffer) => m.decode(b) as object,
        originalName: method.charAt(0).toLowerCase() + method.slice(1),
      };
    }
    return grpc.makeGenericClientConstructor(def, name);
  };
  cached = { runtime: service('RuntimeService'), image: service('ImageService') };
  return cached;
}
