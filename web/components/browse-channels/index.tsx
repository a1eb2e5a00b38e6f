// Public channels I am not in yet, searchable by name, each one a click from joining.
import { useState } from "preact/hooks";
import type { Room } from "../../../src/shared/api";
import { useSearch } from "../../hooks/use-search";
import { useSubmit } from "../../hooks/use-submit";
import { useAppState } from "../../state/use-app-state";
import { Field } from "../field";
import * as fieldStyles from "../field/field.module.css";
import { Panel } from "../panel";
import { RoomIcon } from "../room-icon";
import { SearchResults } from "../search-results";

export function BrowseChannels() {
  const state = useAppState();
  const [query, setQuery] = useState("");
  const { results } = useSearch(state.discoverChannels, query);

  return (
    <Panel title="Browse channels" focusKey="browse">
      <div class="search">
        <Field
          label="Find a channel"
          name="q"
          type="search"
          value={query}
          onValue={setQuery}
          autoComplete="off"
        />
      </div>
      <SearchResults
        results={results}
        empty={
          query.trim() ? `No channels to join match “${query.trim()}”.` : "No channels to join."
        }
      >
        {(room: Room) => <ChannelResult key={room.id} room={room} />}
      </SearchResults>
    </Panel>
  );
}

function ChannelResult({ room }: { room: Room }) {
  const state = useAppState();
  const { pending, error, submit } = useSubmit(state.joinRoom);
  return (
    <li class="result">
      <RoomIcon kind={room.kind} />
      <span class="result__text">
        <span class="result__title">{room.name}</span>
        {room.topic && <span class="result__detail">{room.topic}</span>}
        {error && (
          <span class={fieldStyles.fieldError} role="alert">
            {error.message}
          </span>
        )}
      </span>
      <button
        type="button"
        class="button"
        disabled={pending}
        aria-label={`Join ${room.name ?? "channel"}`}
        onClick={() => void submit(room.id)}
      >
        {pending ? "Joining…" : "Join"}
      </button>
    </li>
  );
}
