// One error shape for the whole API: {"error": {code, message, details?}} with a fitting status.
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ERROR_STATUS = {
  invalid: 400,
  too_long: 400,
  unauthorized: 401,
  forbidden: 403,
  disabled: 403,
  archived: 403,
  registration_closed: 403,
  invite_required: 403,
  invite_invalid: 403,
  bootstrap_required: 403,
  bootstrap_invalid: 403,
  reset_invalid: 403,
  blocked: 403,
  banned: 403,
  not_found: 404,
  conflict: 409,
  too_many: 409,
  too_large: 413,
  rate_limited: 429,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const notFound = (what = "Not found") => new ApiError("not_found", what);
export const forbidden = (why = "You may not do that") => new ApiError("forbidden", why);
