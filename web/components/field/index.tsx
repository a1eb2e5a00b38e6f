// A labelled text input with an optional hint and the server's message for this field.
import type { InputHTMLAttributes } from "preact";
import { useId } from "preact/hooks";
import * as styles from "./field.module.css";

interface FieldProps {
  label: string;
  name: string;
  value: string;
  onValue: (value: string) => void;
  type?: "text" | "password" | "search";
  autoComplete?: string;
  required?: boolean;
  hint?: string;
  error?: string | undefined;
  multiline?: boolean;
  autoFocus?: boolean;
  placeholder?: string;
  /** The on-screen keyboard for numbers. */
  inputMode?: "numeric" | "decimal";
  /** For handles and passwords: no auto-capitalisation or spell checking. */
  verbatim?: boolean;
}

type InputType = NonNullable<FieldProps["type"]>;

/** Preact types each kind of input on its own; narrowing picks the matching one. */
const inputType = (type: InputType): InputHTMLAttributes<HTMLInputElement> =>
  type === "password" ? { type } : type === "search" ? { type } : { type };

export function Field(props: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint && hintId, props.error && errorId].filter(Boolean).join(" ");
  const shared = {
    id,
    name: props.name,
    value: props.value,
    required: props.required,
    autoFocus: props.autoFocus,
    placeholder: props.placeholder,
    "aria-invalid": props.error ? true : undefined,
    "aria-describedby": describedBy || undefined,
    class: styles.fieldInput,
  };
  return (
    <div class={styles.field}>
      <label class={styles.fieldLabel} for={id}>
        {props.label}
      </label>
      {props.multiline ? (
        <textarea {...shared} rows={2} onInput={(e) => props.onValue(e.currentTarget.value)} />
      ) : (
        <input
          {...inputType(props.type ?? "text")}
          {...shared}
          autoComplete={props.autoComplete}
          inputMode={props.inputMode}
          autoCapitalize={props.verbatim ? "off" : undefined}
          spellcheck={props.verbatim ? false : undefined}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      )}
      {props.hint && (
        <p class={styles.fieldHint} id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class={styles.fieldError} id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/**
 * A password being chosen (sign-up, a one-time link, a change): one wording of the rule, and the
 * autocomplete hint that lets password managers offer a strong one.
 */
export function NewPasswordField(
  props: Pick<FieldProps, "value" | "onValue" | "error" | "autoFocus"> & { label?: string },
) {
  return (
    <Field
      label={props.label ?? "Password"}
      name="password"
      type="password"
      value={props.value}
      onValue={props.onValue}
      autoComplete="new-password"
      hint="At least 8 characters."
      required
      verbatim
      autoFocus={props.autoFocus}
      error={props.error}
    />
  );
}
