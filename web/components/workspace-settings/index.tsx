// The current workspace's settings, for its owners and admins (and the instance's admins): its
// name and the defaults its new rooms and people get, its members, its rooms (archive,
// unarchive), the reports of its rooms and its audit log. Where its data stays is shown, fixed since it was created.
import { useEffect, useState } from "preact/hooks";
import type { Workspace, WorkspaceMember, WorkspaceRole } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { asApiError, fieldErrors } from "../../net/api";
import { workspaceAdmin } from "../../net/workspace-admin";
import { useAppState } from "../../state/use-app-state";
import * as adminStyles from "../admin-panel/admin-panel.module.css";
import { AuditLog } from "../admin-panel/audit-log";
import { FindBox } from "../admin-panel/find-box";
import { RoomFinder } from "../admin-panel/room-finder";
import { useLoad } from "../admin-panel/use-load";
import { Confirm } from "../confirm";
import { Field } from "../field";
import * as fieldStyles from "../field/field.module.css";
import { FormAlert } from "../form-alert";
import { ModerationQueue } from "../moderation-queue";
import { Panel } from "../panel";
import { dataLocationText, ROLES } from "./workspace-text";

type Tab = "general" | "members" | "rooms" | "reports" | "audit";

const TAB_NAMES: Record<Tab, string> = {
  general: "General",
  members: "Members",
  rooms: "Rooms",
  reports: "Reports",
  audit: "Audit log",
};

export function WorkspaceSettings() {
  const state = useAppState();
  const workspace = state.currentWorkspace.value;
  const [tab, setTab] = useState<Tab>("general");
  if (!workspace || !state.canManageWorkspace.value) {
    return (
      <Panel title="Workspace settings" focusKey="workspace-settings">
        <p>Only the workspace's owners and admins manage it.</p>
      </Panel>
    );
  }
  return (
    <Panel
      title={`${workspace.name} settings`}
      focusKey={`workspace-settings-${workspace.id}`}
      subtitle={
        <p class="muted" data-location={workspace.dataLocation ?? "anywhere"}>
          {dataLocationText(workspace.dataLocation)} · {workspace.memberCount}{" "}
          {workspace.memberCount === 1 ? "member" : "members"}
        </p>
      }
    >
      <div class={adminStyles.tabs} role="tablist" aria-label="Workspace settings">
        {(Object.keys(TAB_NAMES) as Tab[]).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            class={adminStyles.tabsTab}
            aria-selected={tab === t}
            onClick={() => setTab(t)}
          >
            {TAB_NAMES[t]}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={TAB_NAMES[tab]}>
        {tab === "general" && <General key={workspace.id} workspace={workspace} />}
        {tab === "members" && <Members key={workspace.id} workspace={workspace} />}
        {tab === "rooms" && <Rooms key={workspace.id} workspace={workspace} />}
        {tab === "reports" && (
          <ModerationQueue
            key={workspace.id}
            roomId={null}
            workspaceId={workspace.id}
            isAdmin={state.me.value?.role === "admin"}
          />
        )}
        {tab === "audit" && (
          <AuditLog
            key={workspace.id}
            load={(before) =>
              state.call(() => workspaceAdmin(state.api, workspace.id).audit(before))
            }
          />
        )}
      </div>
    </Panel>
  );
}

const FIELDS = ["name", "defaults.joinPolicy", "defaults.retention.maxAgeDays"] as const;

/** A number field's value, or null when left empty (the instance's default). */
const numberOrNull = (text: string) => (text.trim() === "" ? null : Number(text));

function General({ workspace }: { workspace: Workspace }) {
  const state = useAppState();
  const [name, setName] = useState(workspace.name);
  const [joinPolicy, setJoinPolicy] = useState(workspace.defaults.joinPolicy);
  const retention = workspace.defaults.retention;
  const [days, setDays] = useState(String(retention?.maxAgeDays ?? ""));
  const [messages, setMessages] = useState(String(retention?.maxMessages ?? ""));
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    setSaved(false);
    const maxAgeDays = numberOrNull(days);
    const maxMessages = numberOrNull(messages);
    const { workspace: changed } = await state.call(() =>
      workspaceAdmin(state.api, workspace.id).update({
        name,
        defaults: {
          joinPolicy,
          retention:
            maxAgeDays === null && maxMessages === null ? null : { maxAgeDays, maxMessages },
        },
      }),
    );
    state.workspaceChanged(changed);
    setSaved(true);
  });
  const errors = fieldErrors(save.error);
  return (
    <form
      class="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void save.submit(undefined);
      }}
    >
      <Field
        label="Name"
        name="name"
        value={name}
        onValue={setName}
        autoComplete="off"
        required
        error={errors.name}
      />
      <label class={fieldStyles.field}>
        <span class={fieldStyles.fieldLabel}>Who joins</span>
        <select
          class={fieldStyles.fieldInput}
          value={joinPolicy}
          onChange={(e) => setJoinPolicy(e.currentTarget.value as typeof joinPolicy)}
        >
          <option value="open">Everyone who signs up on this instance</option>
          <option value="invite">Only people invited or added</option>
        </select>
      </label>
      <fieldset class="stack">
        <legend class={fieldStyles.fieldLabel}>New rooms keep messages (empty: no limit)</legend>
        <Field
          label="Days"
          name="maxAgeDays"
          value={days}
          onValue={setDays}
          inputMode="numeric"
          error={errors["defaults.retention.maxAgeDays"]}
        />
        <Field
          label="Messages"
          name="maxMessages"
          value={messages}
          onValue={setMessages}
          inputMode="numeric"
          error={errors["defaults.retention.maxMessages"]}
        />
      </fieldset>
      <FormAlert error={save.error} fields={FIELDS} />
      <div class="button-row">
        <button class="button button--primary" type="submit" disabled={save.pending}>
          {save.pending ? "Saving…" : "Save"}
        </button>
        {saved && <span role="status">Saved.</span>}
      </div>
    </form>
  );
}

function Members({ workspace }: { workspace: Workspace }) {
  const state = useAppState();
  const api = workspaceAdmin(state.api, workspace.id);
  const [q, setQ] = useState("");
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [members, setMembers] = useState<WorkspaceMember[]>([]);
  const [removing, setRemoving] = useState<string | null>(null);
  const page = useLoad(() => state.call(() => api.members(q, cursor)), [q, cursor]);
  useEffect(() => {
    const loaded = page.value;
    if (loaded) setMembers((list) => (cursor ? [...list, ...loaded.members] : loaded.members));
  }, [page.value]);
  const reload = () => {
    setCursor(undefined);
    page.reload();
  };
  const act = async (run: () => Promise<unknown>) => {
    setRemoving(null);
    try {
      await state.call(run);
      reload();
    } catch (e) {
      page.setError(asApiError(e).message);
    }
  };
  const [handle, setHandle] = useState("");
  const [role, setRole] = useState<WorkspaceRole>("member");
  const add = useSubmit(async () => {
    await state.call(() => api.add({ handle: handle.trim().replace(/^@/, "") }, role));
    setHandle("");
    reload();
  });
  return (
    <div class="stack">
      <form
        class="stack"
        aria-label="Add a member"
        onSubmit={(e) => {
          e.preventDefault();
          void add.submit(undefined);
        }}
      >
        <Field
          label="Add by handle"
          name="handle"
          value={handle}
          onValue={setHandle}
          autoComplete="off"
          verbatim
          required
          error={fieldErrors(add.error).handle}
        />
        <label class={fieldStyles.field}>
          <span class={fieldStyles.fieldLabel}>As</span>
          <select
            class={fieldStyles.fieldInput}
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as WorkspaceRole)}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <FormAlert error={add.error} fields={["handle"]} />
        <div class="button-row">
          <button class="button" type="submit" disabled={add.pending}>
            {add.pending ? "Adding…" : "Add member"}
          </button>
        </div>
      </form>
      <FindBox
        label="Find members"
        value={q}
        onValue={(value) => {
          setCursor(undefined);
          setQ(value);
        }}
      />
      {page.error && <p role="alert">{page.error}</p>}
      <ul class="result-list">
        {members.map(({ user, role: theirs }) => (
          <li
            class={`result${removing === user.id ? " result--open" : ""}`}
            key={user.id}
            data-user-id={user.id}
          >
            <span class="result__text">
              <span class="result__title">{user.displayName}</span>
              <span class="result__detail">@{user.handle}</span>
            </span>
            <select
              aria-label={`Role of ${user.displayName}`}
              value={theirs}
              onChange={(e) => {
                const next = e.currentTarget.value as WorkspaceRole;
                void act(() => api.setRole(user.id, next));
              }}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <button
              type="button"
              class="button button--small"
              aria-expanded={removing === user.id}
              onClick={() => setRemoving(user.id)}
            >
              Remove
            </button>
            {removing === user.id && (
              <Confirm
                action="Remove"
                onConfirm={() => void act(() => api.remove(user.id))}
                onCancel={() => setRemoving(null)}
              >
                Remove {user.displayName} from {workspace.name}? They leave every room of it too.
              </Confirm>
            )}
          </li>
        ))}
      </ul>
      {page.value?.nextCursor && (
        <button
          type="button"
          class="button"
          onClick={() => setCursor(page.value?.nextCursor ?? undefined)}
        >
          More members
        </button>
      )}
    </div>
  );
}

function Rooms({ workspace }: { workspace: Workspace }) {
  const state = useAppState();
  return (
    <RoomFinder
      find={(q) => workspaceAdmin(state.api, workspace.id).rooms(q)}
      setArchived={(room, archived) => state.api.updateRoom(room.id, { archived })}
    />
  );
}
