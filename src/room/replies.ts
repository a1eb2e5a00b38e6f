// How the room says no: error frames for sockets, Results for RPC callers, and the HTTP 429 of a
// refused upgrade — one wording for each refusal, whichever way it is delivered.
import type { ErrorFrame } from "../../src/shared/protocol";
import type { Result } from "./handlers";

export const notMember = (ref?: string): ErrorFrame => ({
  type: "error",
  code: "forbidden",
  message: "Only members can do that here",
  ...(ref === undefined ? {} : { ref }),
});

export const rateLimited = (retryAfterMs: number, ref?: string): ErrorFrame => ({
  type: "error",
  code: "rate_limited",
  message: "Slow down",
  retryAfterMs,
  ...(ref === undefined ? {} : { ref }),
});

/** The upgrade is answered like any HTTP 429 of the API, before a socket exists. */
export const tooManyConnects = (retryAfterMs: number) =>
  Response.json(
    {
      error: {
        code: "rate_limited",
        message: "Too many connections to this room; try again later",
      },
    },
    {
      status: 429,
      headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    },
  );

export const refusedResult = (retryAfterMs: number): Result<never> => ({
  ok: false,
  code: "rate_limited",
  message: "Slow down",
  retryAfterMs,
});

export function errorFrame(
  result: { code: ErrorFrame["code"]; message: string },
  ref?: string,
): ErrorFrame {
  return {
    type: "error",
    code: result.code,
    message: result.message,
    ...(ref === undefined ? {} : { ref }),
  };
}
