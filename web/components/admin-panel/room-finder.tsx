// The rooms an admin looks after, found by name: each with its kind, archived or not, an
// archive toggle and, for the instance's admins, what it stores and its retention. The admin
// page lists every room of the instance; a workspace's settings list the workspace's.
import { useState } from "preact/hooks";
import type { AdminRoom } from "../../../src/shared/api";
import { asApiError } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { roomLabel, storedText } from "./admin-text";
import { FindBox } from "./find-box";
import { RetentionPanel } from "./retention-panel";
import { useLoad } from "./use-load";

export function RoomFinder(props: {
  /** The rooms matching `q`. */
  find: (q: string) => Promise<{ rooms: AdminRoom[] }>;
  setArchived: (room: AdminRoom, archived: boolean) => Promise<unknown>;
  /** Each room's stored messages and a retention panel (the instance's admins). */
  retention?: boolean;
}) {
  const state = useAppState();
  const [q, setQ] = useState("");
  const [retentionOf, setRetentionOf] = useState<string | null>(null);
  const rooms = useLoad(() => state.call(() => props.find(q)), [q]);
  const toggle = async (room: AdminRoom) => {
    try {
      await state.call(() => props.setArchived(room, !room.archived));
      rooms.reload();
      // The sidebar shows archived rooms apart.
      void state.refreshRooms();
    } catch (e) {
      rooms.setError(asApiError(e).message);
    }
  };
  return (
    <div class="stack">
      <FindBox label="Find rooms" value={q} onValue={setQ} />
      {rooms.error && <p role="alert">{rooms.error}</p>}
      <ul class="result-list">
        {rooms.value?.rooms.map((room) => (
          <li
            class={`result${retentionOf === room.id ? " result--open" : ""}`}
            key={room.id}
            data-room-id={room.id}
          >
            <span class="result__text">
              <span class="result__title">{roomLabel(room)}</span>
              <span class="result__detail">
                {room.kind}
                {props.retention ? ` · ${storedText(room)}` : ""}
                {room.archived ? " · archived" : ""}
              </span>
            </span>
            {room.kind !== "dm" && (
              <button
                type="button"
                class="button button--small"
                aria-label={`${room.archived ? "Unarchive" : "Archive"} ${roomLabel(room)}`}
                onClick={() => void toggle(room)}
              >
                {room.archived ? "Unarchive" : "Archive"}
              </button>
            )}
            {props.retention && (
              <button
                type="button"
                class="button button--small"
                aria-expanded={retentionOf === room.id}
                aria-controls={`retention-${room.id}`}
                onClick={() => setRetentionOf((open) => (open === room.id ? null : room.id))}
              >
                Retention
              </button>
            )}
            {props.retention && retentionOf === room.id && (
              <RetentionPanel
                room={room}
                label={roomLabel(room)}
                id={`retention-${room.id}`}
                onApplied={rooms.reload}
              />
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
