// Instance administration: every room (archive, unarchive, retention), people (role, disable),
// every room's reported messages and the audit log, for instance admins.
import { useState } from "preact/hooks";
import type { AdminUser } from "../../../src/shared/api";
import { asApiError } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Confirm } from "../confirm";
import { ModerationQueue } from "../moderation-queue";
import { Panel } from "../panel";
import * as styles from "./admin-panel.module.css";
import { AuditLog } from "./audit-log";
import { FindBox } from "./find-box";
import { InvitesPanel } from "./invites-panel";
import { NewPerson, ResetLink } from "./new-person";
import { RoomFinder } from "./room-finder";
import { useLoad } from "./use-load";

type Tab = "rooms" | "people" | "invites" | "reports" | "audit";

const TAB_NAMES: Record<Tab, string> = {
  rooms: "Rooms",
  people: "People",
  invites: "Invites",
  reports: "Reports",
  audit: "Audit log",
};

export function AdminPanel() {
  const state = useAppState();
  const [tab, setTab] = useState<Tab>("rooms");
  return (
    <Panel title="Administration" focusKey="admin">
      <div class={styles.tabs} role="tablist" aria-label="Administration">
        {(Object.keys(TAB_NAMES) as Tab[]).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            class={styles.tabsTab}
            aria-selected={tab === t}
            onClick={() => setTab(t)}
          >
            {TAB_NAMES[t]}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === "rooms" && <AdminRooms />}
        {tab === "people" && <AdminPeople />}
        {tab === "invites" && <InvitesPanel />}
        {tab === "reports" && <ModerationQueue roomId={null} isAdmin />}
        {tab === "audit" && (
          <AuditLog load={(before) => state.call(() => state.api.admin.audit(before))} />
        )}
      </div>
    </Panel>
  );
}

function AdminRooms() {
  const state = useAppState();
  return (
    <RoomFinder
      find={(q) => state.api.admin.rooms(q)}
      setArchived={(room, archived) => state.api.admin.setArchived(room.id, archived)}
      retention
    />
  );
}

function AdminPeople() {
  const state = useAppState();
  const [q, setQ] = useState("");
  const people = useLoad(() => state.call(() => state.api.admin.users(q)), [q]);
  /** Disabling signs the person out everywhere at once: it is asked first. */
  const [disabling, setDisabling] = useState<string | null>(null);
  const change = async (
    user: AdminUser,
    change: { role?: "admin" | "user"; disabled?: boolean },
  ) => {
    setDisabling(null);
    try {
      await state.call(() => state.api.admin.updateUser(user.id, change));
      people.reload();
    } catch (e) {
      people.setError(asApiError(e).message);
    }
  };
  const [creating, setCreating] = useState(false);
  return (
    <div class="stack">
      <div class="button-row">
        <button
          type="button"
          class="button"
          aria-expanded={creating}
          onClick={() => setCreating((open) => !open)}
        >
          Create person or bot
        </button>
      </div>
      {creating && <NewPerson onCreated={people.reload} />}
      <FindBox label="Find people" value={q} onValue={setQ} />
      {people.error && <p role="alert">{people.error}</p>}
      <ul class="result-list">
        {people.value?.users.map((user) => (
          <li class={`result${disabling === user.id ? " result--open" : ""}`} key={user.id}>
            <span class="result__text">
              <span class="result__title">
                {user.displayName}{" "}
                {user.role === "admin" && <span class="badge badge--admin">admin</span>}
                {user.bot && <span class="badge badge--bot">bot</span>}
                {user.disabled && <span class="badge">disabled</span>}
              </span>
              <span class="result__detail">@{user.handle}</span>
            </span>
            <button
              type="button"
              class="button button--small"
              onClick={() => void change(user, { role: user.role === "admin" ? "user" : "admin" })}
            >
              {user.role === "admin" ? "Make user" : "Make admin"}
            </button>
            <button
              type="button"
              class="button button--small"
              aria-expanded={user.disabled ? undefined : disabling === user.id}
              onClick={() =>
                user.disabled ? void change(user, { disabled: false }) : setDisabling(user.id)
              }
            >
              {user.disabled ? "Enable" : "Disable"}
            </button>
            {!user.bot && <ResetLink userId={user.id} name={user.displayName} />}
            {disabling === user.id && (
              <Confirm
                action="Disable"
                onConfirm={() => void change(user, { disabled: true })}
                onCancel={() => setDisabling(null)}
              >
                Disable {user.displayName}? They are signed out everywhere at once and cannot sign
                in until an admin enables them again.
              </Confirm>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
