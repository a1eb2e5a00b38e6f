// The search box above an admin list (rooms, people, a workspace's members): its label is its
// placeholder, and every keystroke asks the list again.
import * as fieldStyles from "../field/field.module.css";

export function FindBox(props: { label: string; value: string; onValue: (q: string) => void }) {
  return (
    <input
      class={`${fieldStyles.fieldInput} search`}
      type="search"
      aria-label={props.label}
      placeholder={props.label}
      value={props.value}
      onInput={(e) => props.onValue(e.currentTarget.value)}
    />
  );
}
