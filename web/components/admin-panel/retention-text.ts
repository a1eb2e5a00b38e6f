// The admin's retention panel in words: what a preview would delete, what a run deleted, and
// the form's fields read as a policy (empty: the instance default).
import type { RetentionPolicy } from "../../../src/shared/api";
import { formatBytes } from "../../lib/retention";
import type { PurgeRange } from "../../net/api";

const count = (n: number) => n.toLocaleString("en");

/** "1,234 messages (56 KB), #1–#1,234" */
function rangeText(range: PurgeRange): string {
  const messages = `${count(range.messages)} message${range.messages === 1 ? "" : "s"}`;
  const seqs =
    range.fromSeq === null || range.toSeq === null
      ? ""
      : range.fromSeq === range.toSeq
        ? `, #${count(range.fromSeq)}`
        : `, #${count(range.fromSeq)}–#${count(range.toSeq)}`;
  return `${messages} (${formatBytes(range.bytes)})${seqs}`;
}

export const previewText = (range: PurgeRange) =>
  range.messages === 0 ? "Nothing to delete." : `Would delete ${rangeText(range)}.`;

export const deletedText = (range: PurgeRange) =>
  range.messages === 0 ? "Nothing was deleted." : `Deleted ${rangeText(range)}.`;

/** Saving applies the policy at once: what that deleted. */
export const savedText = (range: PurgeRange) =>
  range.messages === 0
    ? "Saved. Nothing needed deleting; the room keeps applying the policy by itself."
    : `Saved and applied: deleted ${rangeText(range)}.`;

export type PolicyFields = Record<keyof RetentionPolicy, string>;

/** A policy field as the form shows it: empty for the default. */
export const fieldText = (value: number | null | undefined) =>
  value === null || value === undefined ? "" : String(value);

/**
 * The form's text as a policy: empty fields are null (the instance default); anything that is
 * not a number is reported per field, so it is never sent as a silent default. The server
 * judges the numbers themselves (positive, whole).
 */
export function readPolicy(
  fields: PolicyFields,
): { policy: RetentionPolicy } | { errors: Record<string, string> } {
  const policy: RetentionPolicy = {};
  const errors: Record<string, string> = {};
  for (const key of Object.keys(fields) as (keyof RetentionPolicy)[]) {
    const text = fields[key].replace(/[\s,_]/g, "");
    const value = Number(text);
    if (text === "") policy[key] = null;
    else if (Number.isFinite(value)) policy[key] = value;
    else errors[key] = "Enter a number, or leave it empty for the default";
  }
  return Object.keys(errors).length > 0 ? { errors } : { policy };
}
