// The signed-out screen: sign in, or switch to creating an account.
import { useState } from "preact/hooks";
import { SignInForm } from "../sign-in-form";
import { SignUpForm } from "../sign-up-form";

export function AuthScreen() {
  const [mode, setMode] = useState<"sign-in" | "sign-up">("sign-in");
  const signingUp = mode === "sign-up";
  return (
    <main class="auth">
      <div class="auth__card">
        <p class="brand brand--large">Confab</p>
        <h1 class="auth__title">{signingUp ? "Create your account" : "Sign in"}</h1>
        {signingUp ? <SignUpForm key="sign-up" /> : <SignInForm key="sign-in" />}
        <p class="auth__switch">
          {signingUp ? "Already have an account?" : "New here?"}{" "}
          <button
            type="button"
            class="link-button"
            onClick={() => setMode(signingUp ? "sign-in" : "sign-up")}
          >
            {signingUp ? "Sign in" : "Create an account"}
          </button>
        </p>
      </div>
    </main>
  );
}
