// Reporting a message: why (spam, abuse, something else) and an optional note, as a modal dialog
// over the room. The report goes to the room's moderators and the instance's admins; its sender
// is not told who reported it. A second report of the same message says so instead of failing.
import { useEffect, useId, useRef, useState } from "preact/hooks";
import type { Message } from "../../../src/shared/protocol";
import { useSubmit } from "../../hooks/use-submit";
import type { ReportInput } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { FormAlert } from "../form-alert";
import * as styles from "./report-dialog.module.css";

/** The server's limit on a report's note (LIMITS.reportNote.max, src/shared/api.ts). */
const NOTE_MAX_CHARS = 500;

const REASONS: ReadonlyArray<{ value: ReportInput["reason"]; label: string; hint: string }> = [
  { value: "spam", label: "Spam", hint: "Ads, scams, the same thing over and over" },
  {
    value: "abuse",
    label: "Abuse or harassment",
    hint: "Insults, threats, hate, unwanted content",
  },
  { value: "other", label: "Something else", hint: "Tell the moderators in the note" },
];

interface ReportDialogProps {
  roomId: string;
  message: Message;
  onClose(): void;
}

export function ReportDialog({ roomId, message, onClose }: ReportDialogProps) {
  const state = useAppState();
  const dialog = useRef<HTMLDialogElement>(null);
  const title = useId();
  const [reason, setReason] = useState<ReportInput["reason"]>("spam");
  const [note, setNote] = useState("");
  // "sent", or "again" when this person had already reported it (409).
  const [done, setDone] = useState<"sent" | "again" | null>(null);
  const { pending, error, submit } = useSubmit(async (input: ReportInput) => {
    try {
      await state.call(() => state.api.report(roomId, message.seq, input));
      setDone("sent");
    } catch (caught) {
      if ((caught as { status?: number }).status === 409) setDone("again");
      else throw caught;
    }
  });
  useEffect(() => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  }, []);
  const excerpt = message.body || message.attachments.map((a) => a.name).join(", ");
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop; Esc is its keyboard equivalent (onCancel)
    <dialog
      ref={dialog}
      class={`modal ${styles.reportDialog}`}
      aria-labelledby={title}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => {
        if (event.target === dialog.current) onClose();
      }}
    >
      <div class={`stack ${styles.reportDialogBody}`}>
        <h2 id={title} class={styles.reportDialogTitle}>
          Report {message.sender.name}'s message
        </h2>
        <blockquote class={styles.reportExcerpt}>{excerpt.slice(0, 280)}</blockquote>
        {done ? (
          <>
            <p role="status">
              {done === "sent"
                ? "Thanks. The room's moderators and the admins will look at it; nobody is told who reported it."
                : "You already reported this message. The moderators have it."}
            </p>
            <div class="button-row">
              <button type="button" class="button button--primary" onClick={onClose}>
                Close
              </button>
            </div>
          </>
        ) : (
          <form
            class="stack"
            onSubmit={(event) => {
              event.preventDefault();
              void submit({ reason, ...(note.trim() ? { note: note.trim() } : {}) });
            }}
          >
            <fieldset class={styles.reportReasons}>
              <legend>What is wrong with it?</legend>
              {REASONS.map((r) => (
                <label key={r.value} class={styles.reportReason}>
                  <input
                    type="radio"
                    name="reason"
                    value={r.value}
                    checked={reason === r.value}
                    onChange={() => setReason(r.value)}
                  />
                  <span>
                    {r.label}
                    <span class="muted"> — {r.hint}</span>
                  </span>
                </label>
              ))}
            </fieldset>
            <label class="stack">
              <span>Note to the moderators (optional)</span>
              <textarea
                name="note"
                rows={3}
                maxLength={NOTE_MAX_CHARS}
                value={note}
                onInput={(event) => setNote(event.currentTarget.value)}
              />
            </label>
            <FormAlert error={error} fields={[]} />
            <div class="button-row">
              <button type="submit" class="button button--danger" disabled={pending}>
                {pending ? "Reporting…" : "Report"}
              </button>
              <button type="button" class="button" onClick={onClose}>
                Cancel
              </button>
            </div>
          </form>
        )}
      </div>
    </dialog>
  );
}
