// Who I am: signing in and out, and signing me out when the server says my session is over.
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import type { SelfUser } from "../../src/shared/api";
import { CLOSE_REASONS } from "../../src/shared/protocol/rules";
import {
  type Api,
  type ApiError,
  asApiError,
  type ChangePasswordInput,
  type LoginInput,
  type RegisterInput,
} from "../net/api";
import { deleteAvatar, putAvatar } from "../net/avatar";

/** Why the app signed me out by itself: the sign-in screen says so. */
export type SignedOutNotice = "disabled" | "ended";

/** `unknown` until GET /api/me has answered; `error` when it could not (server unreachable). */
export type Session =
  | { status: "unknown" }
  | { status: "error"; error: ApiError }
  | { status: "signed-out"; notice: SignedOutNotice | null }
  | { status: "signed-in"; user: SelfUser };

/**
 * The session changes hands through `signedIn` and `signedOut`, which the app state provides:
 * they reset everything else and set the session with `set`, in one batch.
 */
export function createSession(
  api: Api,
  signedIn: (user: SelfUser) => void,
  signedOut: (notice?: SignedOutNotice | null) => void,
) {
  const session = signal<Session>({ status: "unknown" });
  const me = computed(() => (session.value.status === "signed-in" ? session.value.user : null));
  /** While I sign out myself, the server closing my sockets is no news to tell me. */
  let signingOut = false;
  const isSignedIn = () => session.value.status === "signed-in";

  /**
   * Runs an API call; a 401 means the session is gone (403 `disabled`: the account is), so the
   * sign-in screen comes back and says why.
   */
  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const apiError = asApiError(error);
      if (isSignedIn()) {
        if (apiError.code === "disabled") signedOut("disabled");
        else if (apiError.status === 401) signedOut("ended");
      }
      throw apiError;
    }
  }

  return {
    /** What the app state exposes as is. */
    actions: {
      session: session as ReadonlySignal<Session>,
      me: me as ReadonlySignal<SelfUser | null>,
      call,

      /** On load: the session cookie decides which screen comes up. */
      async start(): Promise<void> {
        session.value = { status: "unknown" };
        try {
          const { user } = await api.me();
          signedIn(user);
        } catch (error) {
          const apiError = asApiError(error);
          if (apiError.status === 401) signedOut();
          else if (apiError.code === "disabled") signedOut("disabled");
          else session.value = { status: "error", error: apiError };
        }
      },

      async signIn(input: LoginInput): Promise<void> {
        const { user } = await api.login(input);
        signedIn(user);
      },

      async signUp(input: RegisterInput): Promise<void> {
        const { user } = await api.register(input);
        signedIn(user);
      },

      /** A new profile picture (an image file), or none: I am shown with it from now on. */
      async setAvatar(file: Blob | null): Promise<void> {
        const user = await call(() => (file ? putAvatar(file) : deleteAvatar()));
        if (isSignedIn()) session.value = { status: "signed-in", user };
      },

      /** A new display name: the header shows it, and my next messages carry it. */
      async rename(displayName: string): Promise<void> {
        const { user } = await call(() => api.updateMe(displayName));
        if (isSignedIn()) session.value = { status: "signed-in", user };
      },

      /**
       * A new password; the server signs out my other devices. A wrong current password is 403
       * (not 401), so it never signs this device out.
       */
      async changePassword(input: ChangePasswordInput): Promise<void> {
        await call(() => api.changePassword(input));
      },

      async signOut(): Promise<void> {
        signingOut = true;
        try {
          await api.logout();
        } catch (error) {
          // A 401 means the session had already ended: signing out is done either way.
          if (asApiError(error).status !== 401) throw asApiError(error);
        } finally {
          signingOut = false;
        }
        signedOut();
      },
    },

    /** Sets the session, in the batch that resets the rest: signed in as `user`, or out. */
    set(user: SelfUser | null, notice: SignedOutNotice | null = null): void {
      session.value = user
        ? { status: "signed-in", user }
        : { status: "signed-out", notice: signingOut ? null : notice };
    },

    /**
     * A socket was closed on purpose (1008). Disabling and the end of my session close every
     * socket of mine with a reason that says so: back to the sign-in screen, which tells why.
     */
    refused(reason: string): void {
      if (!isSignedIn()) return;
      if (reason === CLOSE_REASONS.accountDisabled) signedOut("disabled");
      else if (reason === CLOSE_REASONS.sessionEnded) signedOut("ended");
    },
  };
}
