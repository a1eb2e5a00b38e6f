// What every request handler can see: bindings, config, the database and who is calling.

import type { TokenScope } from "../../src/shared/api";
import type { Config, Env } from "../config/env";
import type { Db } from "../db/client";
import type { users } from "../db/schema";

export type UserRow = typeof users.$inferSelect;

export interface Principal {
  user: UserRow;
  via: "session" | "token";
  /** SHA-256 of the presented secret: identifies the session to end on logout. */
  credentialHash: string;
  /** The session's public id (`ses_…`); null for an API token. */
  sessionId: string | null;
  tokenId: string | null;
  scopes: ReadonlySet<TokenScope>;
  /** Instance admin: an admin's session, or an API token with the `admin` scope. */
  isAdmin: boolean;
  /**
   * The credential may use its person's admin roles (a workspace's owner or admin): a session,
   * or a token with the `admin` scope. A bot-scoped token acts as a plain member everywhere.
   */
  mayAdminister: boolean;
}

export interface AppEnv {
  Bindings: Env;
  Variables: { db: Db; config: Config; principal: Principal | null };
}
