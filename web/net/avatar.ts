// My profile picture over HTTP: the image file as the body (the server reads its kind from the
// bytes), answered with me as I am now. Errors are ApiErrors, as elsewhere.
import type { SelfUser } from "../../src/shared/api";
import { ApiError } from "./api";

async function me(pending: Promise<Response>): Promise<SelfUser> {
  let res: Response;
  try {
    res = await pending;
  } catch {
    throw new ApiError(
      0,
      "network",
      "Could not reach the server. Check your connection and retry.",
    );
  }
  const body = (await res.json().catch(() => null)) as {
    user?: SelfUser;
    error?: { code: string; message: string };
  } | null;
  if (res.ok && body?.user) return body.user;
  throw new ApiError(
    res.status,
    body?.error?.code ?? "http_error",
    body?.error?.message ?? `The server answered ${res.status}`,
  );
}

export const putAvatar = (file: Blob): Promise<SelfUser> =>
  me(
    fetch("/api/me/avatar", {
      method: "PUT",
      headers: { "content-type": file.type || "application/octet-stream" },
      body: file,
    }),
  );

export const deleteAvatar = (): Promise<SelfUser> =>
  me(fetch("/api/me/avatar", { method: "DELETE" }));
