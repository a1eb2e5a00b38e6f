// Public channels I am not in yet, searchable by name, each one a click from joining.
import type { Room } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { useAppState } from "../../state/use-app-state";
import { Panel } from "../panel";
import { RoomIcon } from "../room-icon";
import { LiveSearch, ResultRow } from "../search-results";
import { InWorkspace } from "../workspace-settings/in-workspace";

export function BrowseChannels() {
  const state = useAppState();
  return (
    <Panel title="Browse channels" focusKey="browse" subtitle={<InWorkspace />}>
      <LiveSearch
        label="Find a channel"
        search={state.discoverChannels}
        empty={(query) =>
          query ? `No channels to join match “${query}”.` : "No channels to join."
        }
      >
        {(room: Room) => <ChannelResult key={room.id} room={room} />}
      </LiveSearch>
    </Panel>
  );
}

function ChannelResult({ room }: { room: Room }) {
  const state = useAppState();
  const { pending, error, submit } = useSubmit(state.joinRoom);
  return (
    <ResultRow
      leading={<RoomIcon kind={room.kind} />}
      title={room.name}
      detail={room.topic}
      error={error}
    >
      <button
        type="button"
        class="button"
        disabled={pending}
        aria-label={`Join ${room.name ?? "channel"}`}
        onClick={() => void submit(room.id)}
      >
        {pending ? "Joining…" : "Join"}
      </button>
    </ResultRow>
  );
}
