import type { Status, StatusCause, StatusDetails } from './types.js';

/** Qualified resource used in messages: `pods` or `deployments.apps`. */
export interface ResourceRef {
  group: string;
  resource: string;
}

export function qualified(r: ResourceRef): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

/** An expected API failure, rendered as a Kubernetes Status. Check with instanceof, never by message. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }

  static notFound(r: ResourceRef, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group || undefined, kind: r.resource });
  }
  static alreadyExists(r: ResourceRef, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group || undefined, kind: r.resource });
  }
  static conflict(r: ResourceRef, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, { name, group: r.group || undefined, kind: r.resource });
  }
  /** 422 listing every bad field. kind is the object's Kind (e.g. `Pod`). */
  static invalid(kind: string, group: string, name: string, causes: FieldError[]): ApiError {
    const parts = causes.map((c) => `${c.field}: ${c.detailMessage()}`);
    const msg = `${kind} "${name}" is invalid: ` + (parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`);
    return new ApiError(422, 'Invalid', msg, {
      name,
      group: group || undefined,
      kind,
      causes: causes.map((c) => c.toCause()),
    });
  }
  static badRequest(message: string, causes?: StatusCause[]): ApiError {
    return new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined);
  }
  static gone(message: string, reason: 'Expired' | 'Gone' = 'Expired'): ApiError {
    return new ApiError(410, reason, message);
  }
  static methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
    return new ApiError(405, 'MethodNotAllowed', message);
  }
  static unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
    return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, {
      causes: [{ reason: 'UnexpectedServerResponse', message: contentType }],
    });
  }
  static tooLarge(message = 'the request body is too large'): ApiError {
    return new ApiError(413, 'RequestEntityTooLarge', message);
  }
  static unauthorized(): ApiError {
    return new ApiError(401, 'Unauthorized', 'Unauthorized');
  }
  static forbidden(message: string): ApiError {
    return new ApiError(403, 'Forbidden', message);
  }
  static serviceUnavailable(message: string): ApiError {
    return new ApiError(503, 'ServiceUnavailable', message);
  }
  static internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
  }
  static notAcceptable(message: string): ApiError {
    return new ApiError(406, 'NotAcceptable', message);
  }
}

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError';

/** One invalid field, like apimachinery's field.Error. */
export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly value: unknown,
    readonly detail: string = '',
    readonly supported?: string[],
  ) {}

  static required(field: string, detail = ''): FieldError {
    return new FieldError('FieldValueRequired', field, undefined, detail);
  }
  static invalid(field: string, value: unknown, detail: string): FieldError {
    return new FieldError('FieldValueInvalid', field, value, detail);
  }
  static duplicate(field: string, value: unknown): FieldError {
    return new FieldError('FieldValueDuplicate', field, value);
  }
  static notSupported(field: string, value: unknown, supported: string[]): FieldError {
    return new FieldError('FieldValueNotSupported', field, value, '', supported);
  }
  static forbidden(field: string, detail: string): FieldError {
    return new FieldError('FieldValueForbidden', field, undefined, detail);
  }
  static tooLong(field: string, value: unknown, max: number): FieldError {
    return new FieldError('FieldValueTooLong', field, value, `must have at most ${max} bytes`);
  }

  /** The message part after `field: `, in apimachinery's wording. */
  detailMessage(): string {
    const v = formatValue(this.value);
    switch (this.type) {
      case 'FieldValueRequired':
        return this.detail ? `Required value: ${this.detail}` : 'Required value';
      case 'FieldValueInvalid':
        return `Invalid value: ${v}` + (this.detail ? `: ${this.detail}` : '');
      case 'FieldValueDuplicate':
        return `Duplicate value: ${v}`;
      case 'FieldValueNotSupported':
        return `Unsupported value: ${v}` + (this.supported ? `: supported values: ${this.supported.map((s) => `"${s}"`).join(', ')}` : '');
      case 'FieldValueForbidden':
        return this.detail ? `Forbidden: ${this.detail}` : 'Forbidden';
      case 'FieldValueTooLong':
        return `Too long: ${this.detail}`;
      case 'FieldValueTooMany':
        return `Too many: ${v}: ${this.detail}`;
      case 'FieldValueTypeInvalid':
        return `Invalid value: ${v}: ${this.detail}`;
      default:
        return `Internal error: ${this.detail}`;
    }
  }

  toCause(): StatusCause {
    return { reason: this.type, message: this.detailMessage(), field: this.field };
  }
}

function formatValue(v: unknown): string {
  if (v === undefined) return '""';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return JSON.stringify(v);
}
