// My profile picture's controls, in the top bar's menu and on the Account page.
import type { SelfUser } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { useAppState } from "../../state/use-app-state";
import * as styles from "./picture-buttons.module.css";

/** Changing or removing my picture: a file picker that accepts images. */
export function PictureButtons({ user }: { user: SelfUser }) {
  const state = useAppState();
  const picture = useSubmit(state.setAvatar);
  return (
    <>
      <label class={`button button--ghost ${styles.pictureButtonsPick}`}>
        {user.avatarUrl ? "Change picture" : "Add a picture"}
        <input
          type="file"
          accept="image/png,image/jpeg,image/gif,image/webp"
          class="visually-hidden"
          disabled={picture.pending}
          onChange={(event) => {
            const input = event.currentTarget;
            const file = input.files?.[0];
            input.value = "";
            if (file) void picture.submit(file);
          }}
        />
      </label>
      {user.avatarUrl && (
        <button
          type="button"
          class="button button--ghost"
          disabled={picture.pending}
          onClick={() => void picture.submit(null)}
        >
          Remove picture
        </button>
      )}
      {picture.error && (
        <span class={styles.pictureButtonsError} role="alert">
          {picture.error.message}
        </span>
      )}
    </>
  );
}
