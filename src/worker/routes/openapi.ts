// Helpers that keep route definitions short while the OpenAPI document stays complete.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import { ErrorResponse, LIMITS } from "../../../src/shared/api";
import type { AppEnv } from "../context";
import { offsetCursor } from "../directory/paging";
import { ApiError } from "../errors";

/**
 * Every router validates with zod and answers failures in the one error shape. Guards are
 * registered first and per path: a bare `use()` would also run for sibling routers under /api.
 */
export function router(
  guards: ReadonlyArray<readonly [path: string, guard: MiddlewareHandler<AppEnv>]> = [],
) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, _c) => {
      if (!result.success) {
        throw new ApiError(
          "invalid",
          "Invalid request",
          result.error.issues.map((issue) => ({
            in: result.target,
            path: issue.path.join("."),
            message: describeIssue(issue),
          })),
        );
      }
    },
  });
  for (const [path, guard] of guards) app.use(path, guard);
  return app;
}

type Issue = z.core.$ZodIssue;

/** zod's default wording speaks of types and operators; people filling a form need plain words. */
export function describeIssue(issue: Issue): string {
  const custom = !/^(Invalid input|Too small|Too big|Invalid option)/.test(issue.message);
  if (custom) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return /received undefined/.test(issue.message)
        ? "Required"
        : `Must be ${article(issue.expected)}`;
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? "At least" : "At most";
      const limit = Number(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const unit =
        issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : "";
      return `${bound} ${limit}${unit}`;
    }
    case "invalid_value":
      return `Must be one of: ${issue.values.map((v) => String(v)).join(", ")}`;
    case "invalid_union":
      return "Not one of the accepted shapes";
    default:
      return issue.message;
  }
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/**
 * The optional `workspaceId` filter of the lists over every workspace of mine (my rooms, my
 * threads): documented here but read by hand (`c.req.query`), because a declared query would
 * make hono's typed client require an argument in calls that never had one.
 */
export const workspaceFilterParam = {
  in: "query",
  name: "workspaceId",
  required: false,
  schema: { type: "string", minLength: 1, maxLength: 64 },
  description: "Only this workspace of mine (404 if I am not in it); absent: every one of mine",
} as const;

/** A validated list query → what the directory's paged queries take (cursors are offsets). */
export function pageRequest(query: {
  q?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}) {
  return {
    q: query.q,
    offset: offsetCursor(query.cursor),
    limit: query.limit ?? LIMITS.pageSize.default,
  };
}

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

export const ok = <T extends z.ZodType>(schema: T, description = "OK") => ({
  content: { "application/json": { schema } },
  description,
});

export const errorResponse = (description: string) => ({
  content: { "application/json": { schema: ErrorResponse } },
  description,
});

export const errors = {
  400: errorResponse("Invalid input (code `invalid`)"),
  401: errorResponse("Not signed in (`unauthorized`)"),
  403: errorResponse(
    "Not allowed (`forbidden`, `disabled`, `archived`, `registration_closed`, `invite_required`, `invite_invalid`, `bootstrap_required`, `bootstrap_invalid`, `reset_invalid`, `blocked`, `banned`)",
  ),
  404: errorResponse("Not found, or not visible to you (`not_found`)"),
  409: errorResponse("Conflicts with the current state (`conflict`, `too_many`)"),
} as const;

/** The error answers a route can give, by status: `...failures(400, 401, 403)`. */
export function failures<Status extends keyof typeof errors>(
  ...statuses: Status[]
): Pick<typeof errors, Status> {
  // fromEntries loses the keys' types; they are exactly `statuses`.
  return Object.fromEntries(statuses.map((status) => [status, errors[status]])) as Pick<
    typeof errors,
    Status
  >;
}

/**
 * Over a limit (docs/api.md, Limits): code `rate_limited`, with `Retry-After` in seconds. Only on
 * the routes a limit applies to.
 */
export const rateLimited = {
  ...errorResponse("Over a rate limit (`rate_limited`); retry after `Retry-After` seconds"),
  headers: {
    "Retry-After": {
      description: "Whole seconds until the limit lets the next request through",
      schema: { type: "integer", minimum: 1 },
      required: true,
    },
  },
} as const;

/** Every request body is limited to 64 KiB (app.ts): any mutation can be refused with this. */
export const tooLarge = errorResponse("Body over 64 KiB (`too_large`)");

export const noContent = { 204: { description: "Done" } };

/** A session or API token as a bearer header, or the session cookie. */
export const security: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];
/** Routes anyone may call: an explicit empty requirement, so linters see it was meant. */
export const publicRoute: Array<Record<string, string[]>> = [];
