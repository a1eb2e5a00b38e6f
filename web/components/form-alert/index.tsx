// A form's error that belongs to no single field (wrong password, rate limit, server down).
import { type ApiError, fieldErrors } from "../../net/api";
import * as styles from "./form-alert.module.css";

interface FormAlertProps {
  error: ApiError | null;
  /** The fields the form shows next to their inputs; their messages are not repeated here. */
  fields: readonly string[];
}

export function FormAlert({ error, fields }: FormAlertProps) {
  if (!error) return null;
  const shown = Object.keys(fieldErrors(error)).some((path) => fields.includes(path));
  const message = shown ? "Please correct the marked fields." : error.message;
  return (
    <p class={styles.formAlert} role="alert">
      {message}
    </p>
  );
}
