// The instance's VAPID key pair: from the secrets when the operator set them, else made on first
// use and kept in D1 (so `npm start` needs no set-up). Every isolate then reads the same pair.
import { eq } from "drizzle-orm";
import type { Env } from "../../config/env";
import type { Db } from "../../db/client";
import { instanceSecrets } from "../../db/schema";
import { fromBase64Url } from "../auth/crypto";
import { publicJwk } from "./encrypt";
import { newVapidKeys, type VapidKeys } from "./vapid";

const ROW = "vapid";

/** Keys from the secrets: the raw private scalar and public point, both base64url. */
function fromSecrets(env: Env): VapidKeys | null {
  if (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY) return null;
  const publicKey = env.VAPID_PUBLIC_KEY.trim();
  return {
    publicKey,
    privateJwk: { ...publicJwk(fromBase64Url(publicKey)), d: env.VAPID_PRIVATE_KEY.trim() },
  };
}

async function stored(db: Db): Promise<VapidKeys | null> {
  const row = await db
    .select({ value: instanceSecrets.value })
    .from(instanceSecrets)
    .where(eq(instanceSecrets.name, ROW))
    .get();
  return row ? (JSON.parse(row.value) as VapidKeys) : null;
}

export async function vapidKeys(env: Env, db: Db): Promise<VapidKeys> {
  const secret = fromSecrets(env);
  if (secret) return secret;
  const existing = await stored(db);
  if (existing) return existing;
  // Two first uses at once: both insert, one wins, both read the winner.
  const made = await newVapidKeys();
  await db
    .insert(instanceSecrets)
    .values({ name: ROW, value: JSON.stringify(made), createdAt: Date.now() })
    .onConflictDoNothing()
    .run();
  return (await stored(db)) ?? made;
}
