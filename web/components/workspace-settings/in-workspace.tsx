// "In Acme": which workspace a form makes things in or searches, when I am in more than one.
import { useAppState } from "../../state/use-app-state";

export function InWorkspace() {
  const state = useAppState();
  const current = state.currentWorkspace.value;
  if (!current || state.workspaces.value.length < 2) return null;
  return (
    <p class="muted" data-workspace-id={current.id}>
      In the workspace <strong dir="auto">{current.name}</strong>
    </p>
  );
}
