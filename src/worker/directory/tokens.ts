// API tokens for bots and admin scripts: shown once, stored as SHA-256, revocable.
import { and, desc, eq, isNull } from "drizzle-orm";
import type { TokenScope } from "../../../src/shared/api";
import { audit } from "../../db/audit";
import type { Db } from "../../db/client";
import { apiTokens } from "../../db/schema";
import { newId, newSecret, sha256Hex } from "../auth/crypto";
import { API_TOKEN_PREFIX } from "../auth/sessions";
import { notFound } from "../errors";

export async function createToken(
  db: Db,
  actorId: string,
  spec: { name: string; scopes: TokenScope[]; userId: string },
) {
  const secret = newSecret(API_TOKEN_PREFIX);
  const row = {
    id: newId("tok"),
    userId: spec.userId,
    name: spec.name,
    tokenHash: await sha256Hex(secret),
    scopes: JSON.stringify([...new Set(spec.scopes)].sort()),
    createdAt: Date.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await db.batch([
    db.insert(apiTokens).values(row),
    audit(db, {
      actorId,
      action: "token.create",
      targetId: row.id,
      detail: { name: row.name, scopes: JSON.parse(row.scopes), userId: row.userId },
    }),
  ]);
  return { row, secret };
}

export const listTokens = (db: Db) =>
  db
    .select()
    .from(apiTokens)
    .where(isNull(apiTokens.revokedAt))
    .orderBy(desc(apiTokens.createdAt))
    .all();

/** Revokes a live token; answers whose it was and its hash, to close what it opened. */
export async function revokeToken(
  db: Db,
  actorId: string,
  tokenId: string,
): Promise<{ userId: string; tokenHash: string }> {
  const live = await db
    .select({ id: apiTokens.id, userId: apiTokens.userId, tokenHash: apiTokens.tokenHash })
    .from(apiTokens)
    .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)))
    .get();
  if (!live) throw notFound("No such token");
  await db.batch([
    db.update(apiTokens).set({ revokedAt: Date.now() }).where(eq(apiTokens.id, tokenId)),
    audit(db, { actorId, action: "token.delete", targetId: tokenId }),
  ]);
  return { userId: live.userId, tokenHash: live.tokenHash };
}
