// Pages reached from outside (docs/api.md, "Registration and invites"): an invite link and a
// one-time set-password link. While one is open the app shows its page instead of following the
// address; each ends by arriving at the room the invite led to (or home), which the sign-in
// that follows opens.
import { type ReadonlySignal, signal } from "@preact/signals";
import type { SelfUser } from "../../src/shared/api";
import { type OnboardingLink, parseOnboardingLink, roomPath } from "../../src/shared/links";
import { type Api, asApiError, type LoginInput, type RegisterInput } from "../net/api";
import type { AddressBar } from "./route";

/** What onboarding asks of the app state around it. */
export interface OnboardingHooks {
  signedIn(user: SelfUser): void;
  /** Runs a signed-in call (a 401 signs out, as every call does). */
  call<T>(run: () => Promise<T>): Promise<T>;
  /** Signed in already: opens a room just joined (the list refreshed), or home for null. */
  enter(roomId: string | null): Promise<void>;
  /** Says why on the home panel (an invite that could not be used after signing in). */
  tell(notice: string): void;
  /** Asks the server again who is signed in. */
  restart(): Promise<void>;
}

export function createOnboarding(api: Api, address: AddressBar | null, hooks: OnboardingHooks) {
  const link = signal<OnboardingLink | null>(
    address ? parseOnboardingLink(address.current().path) : null,
  );

  /** The page is done: the address becomes the room it led to (or home). */
  function arrive(roomId: string | null): void {
    link.value = null;
    address?.write("replace", roomId ? roomPath(roomId) : "/", null);
  }

  /** What the app state offers its pages (sign-up and sign-in replace the session's own). */
  const actions = {
    /** Signs up; with an invite, lands in the first of the rooms it joined. */
    async signUp(input: RegisterInput): Promise<void> {
      const { user, roomIds } = await api.register(input);
      if (link.value) arrive(roomIds?.[0] ?? null);
      hooks.signedIn(user);
    },

    /** Signs in; on an invite's page, accepts it and lands in its first room. */
    async signIn(input: LoginInput): Promise<void> {
      const { user } = await api.login(input);
      const open = link.value;
      let refused: string | null = null;
      if (open?.kind === "invite") {
        try {
          arrive((await api.invites.accept(open.code)).roomIds[0] ?? null);
        } catch (error) {
          arrive(null);
          refused = `The invite could not be used: ${asApiError(error).message}`;
        }
      }
      hooks.signedIn(user);
      if (refused) hooks.tell(refused);
    },

    /** Signed in already: joins the invite's rooms and opens the first. */
    async acceptInvite(code: string): Promise<void> {
      const { roomIds } = await hooks.call(() => api.invites.accept(code));
      link.value = null;
      await hooks.enter(roomIds[0] ?? null);
    },

    /** What an invite link's page shows (no session needed). */
    invitePreview: (code: string) => api.invites.preview(code),

    /** Sets a password with a one-time link's token (every session of the account ends). */
    async setPassword(token: string, password: string): Promise<void> {
      await api.resetPassword(token, password);
    },

    /** The instance's REGISTRATION mode and first-account state, for the sign-up form. */
    instanceConfig: () => api.config(),

    /** Leaves an onboarding page for the app (home), asking again who is signed in. */
    async leaveOnboarding(): Promise<void> {
      arrive(null);
      await hooks.restart();
    },
  };

  return {
    /** The invite or set-password page the address names, until it is done. */
    link: link as ReadonlySignal<OnboardingLink | null>,
    actions,
  };
}
