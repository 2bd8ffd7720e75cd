// CRI errors as typed classes, chosen by the gRPC status code (never by the message text).
// Callers check `err instanceof CriNotFoundError` etc.
import { Code as GrpcStatus, codeName } from './unary.js';

/** a gRPC failure: grpc-js's ServiceError and unary.ts's GrpcCallError both have these */
interface ServiceError extends Error {
  code: number;
  details: string;
}

export class CriError extends Error {
  constructor(
    readonly method: string,
    /** gRPC status code (see unary.ts `Code`) */
    readonly code: number,
    readonly details: string,
  ) {
    super(`CRI ${method}: ${codeName(code) ?? code}: ${details}`);
    this.name = new.target.name;
  }
}

/** NotFound (5): the sandbox, container or image does not exist. */
export class CriNotFoundError extends CriError {}
/** AlreadyExists (6). */
export class CriAlreadyExistsError extends CriError {}
/** InvalidArgument (3), FailedPrecondition (9), OutOfRange (11). */
export class CriInvalidError extends CriError {}
/** DeadlineExceeded (4): our own timeout or the runtime's. */
export class CriTimeoutError extends CriError {}
/** Unavailable (14): the runtime's socket is not there or not answering. */
export class CriUnavailableError extends CriError {}
/** Unimplemented (12): the runtime does not have this call (e.g. containerd 1.6 and events). */
export class CriUnimplementedError extends CriError {}
/** Cancelled (1): the caller's AbortSignal fired. */
export class CriCancelledError extends CriError {}
/** Unknown (2), Internal (13) and the rest: the runtime failed; `details` has its text. */
export class CriRuntimeError extends CriError {}
/**
 * containerd restarted over existing pods answers every call with Unknown "server is not
 * initialized yet" while its CRI plugin recovers them: nothing was done, the call may be retried.
 */
export class CriNotReadyError extends CriRuntimeError {}

/** containerd's text for that state: its only mark (the code is a plain Unknown). */
const NOT_READY_TEXT = 'server is not initialized yet';

type CriErrorClass = new (method: string, code: number, details: string) => CriError;

const BY_CODE: ReadonlyMap<number, CriErrorClass> = new Map<number, CriErrorClass>([
  [GrpcStatus.NOT_FOUND, CriNotFoundError],
  [GrpcStatus.ALREADY_EXISTS, CriAlreadyExistsError],
  [GrpcStatus.INVALID_ARGUMENT, CriInvalidError],
  [GrpcStatus.FAILED_PRECONDITION, CriInvalidError],
  [GrpcStatus.OUT_OF_RANGE, CriInvalidError],
  [GrpcStatus.DEADLINE_EXCEEDED, CriTimeoutError],
  [GrpcStatus.UNAVAILABLE, CriUnavailableError],
  [GrpcStatus.UNIMPLEMENTED, CriUnimplementedError],
  [GrpcStatus.CANCELLED, CriCancelledError],
]);

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** Maps a gRPC failure to its typed CRI error. */
export function toCriError(method: string, err: unknown): CriError {
  if (err instanceof CriError) return err;
  if (isServiceError(err)) {
    if (err.code === GrpcStatus.UNKNOWN && (err.details || '').includes(NOT_READY_TEXT)) return new CriNotReadyError(method, err.code, err.details);
    const cls = BY_CODE.get(err.code) ?? CriRuntimeError;
    return new cls(method, err.code, err.details || err.message);
  }
  return new CriRuntimeError(method, GrpcStatus.UNKNOWN, err instanceof Error ? err.message : String(err));
}
