// src/api/errors.ts has no FieldValueNotFound type (apimachinery field.NotFound); this subclass
// renders it exactly as upstream (`Not found: "x"`, reason FieldValueNotFound).
import { FieldError, type FieldErrorType } from '../errors.js';

export class NotFoundFieldError extends FieldError {
  constructor(field: string, value: unknown, detail = '') {
    super('FieldValueNotFound' as FieldErrorType, field, value, detail);
  }
  override detailMessage(): string {
    const v = typeof this.value === 'string' ? JSON.stringify(this.value) : JSON.stringify(this.value ?? '');
    return `Not found: ${v}` + (this.detail ? `: ${this.detail}` : '');
  }
}

export const notFound = (field: string, value: unknown): FieldError => new NotFoundFieldError(field, value);
