// The workspace switcher at the top of the room list: the current workspace's name, and a list
// of my workspaces with their unread badges (live: they add up the room list's items), its
// settings for its owners and admins, leaving it, and a new workspace where I may create one.
// Shown only when there is a choice: two workspaces or more, or one to create.
import { useEffect, useRef, useState } from "preact/hooks";
import { asApiError } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Confirm } from "../confirm";
import * as styles from "./workspace-switcher.module.css";

export function WorkspaceSwitcher() {
  const state = useAppState();
  const [open, setOpen] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  // Escape closes the open list, focus back on its button.
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      toggle.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);
  const list = state.workspaces.value;
  const current = state.currentWorkspace.value;
  const canCreate = state.canCreateWorkspace.value;
  if (!current || (list.length < 2 && !canCreate)) return null;
  const counts = state.workspaceCounts.value;
  let elsewhere = 0;
  for (const w of list) if (w.id !== current.id) elsewhere += counts.get(w.id)?.unread ?? 0;
  const go = (then: () => void) => () => {
    setOpen(false);
    then();
  };
  return (
    <div class={styles.wsSwitcher}>
      <button
        ref={toggle}
        type="button"
        class={styles.wsSwitcherCurrent}
        aria-expanded={open}
        aria-controls="workspace-list"
        onClick={() => {
          setOpen(!open);
          setLeaving(false);
          setError(null);
        }}
      >
        <span class="visually-hidden">Workspace: </span>
        <span class={styles.wsSwitcherName} dir="auto">
          {current.name}
        </span>
        {elsewhere > 0 && (
          <span class="badge badge--unread" data-elsewhere={elsewhere}>
            {elsewhere}
            <span class="visually-hidden"> unread in other workspaces</span>
          </span>
        )}
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <ul id="workspace-list" class={styles.wsSwitcherList} aria-label="Workspaces">
          {list.map((w) => {
            const count = counts.get(w.id);
            return (
              <li key={w.id}>
                <button
                  type="button"
                  class={styles.wsSwitcherItem}
                  aria-current={w.id === current.id ? "true" : undefined}
                  data-workspace-id={w.id}
                  onClick={go(() => state.switchWorkspace(w.id))}
                >
                  <span class={styles.wsSwitcherName} dir="auto">
                    {w.name}
                  </span>
                  {!!count?.mentions && (
                    <span class="badge badge--mention">
                      @{count.mentions}
                      <span class="visually-hidden"> mentions</span>
                    </span>
                  )}
                  {!!count?.unread && (
                    <span class="badge badge--unread" data-unread={count.unread}>
                      {count.unread}
                      <span class="visually-hidden"> unread</span>
                    </span>
                  )}
                </button>
              </li>
            );
          })}
          {state.canManageWorkspace.value && (
            <li>
              <button
                type="button"
                class={styles.wsSwitcherItem}
                onClick={go(() => state.show({ kind: "workspace-settings" }))}
              >
                Workspace settings
              </button>
            </li>
          )}
          {current.role !== null && (
            <li>
              {leaving ? (
                <Confirm
                  action="Leave"
                  onConfirm={() => {
                    setLeaving(false);
                    state.leaveWorkspace(current.id).then(
                      () => setOpen(false),
                      (e: unknown) => setError(asApiError(e).message),
                    );
                  }}
                  onCancel={() => setLeaving(false)}
                >
                  Leave {current.name}? You leave every room of it too.
                </Confirm>
              ) : (
                <button
                  type="button"
                  class={styles.wsSwitcherItem}
                  onClick={() => setLeaving(true)}
                >
                  Leave {current.name}
                </button>
              )}
              {error && (
                <p class={styles.wsSwitcherError} role="alert">
                  {error}
                </p>
              )}
            </li>
          )}
          {canCreate && (
            <li>
              <button
                type="button"
                class={styles.wsSwitcherItem}
                onClick={go(() => state.show({ kind: "new-workspace" }))}
              >
                + New workspace
              </button>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
