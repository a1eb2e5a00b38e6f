// Find someone by handle or name and open the direct conversation with them.
import type { PublicUser } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { useAppState } from "../../state/use-app-state";
import { Avatar } from "../avatar";
import { Panel } from "../panel";
import { LiveSearch, ResultRow } from "../search-results";

export function NewDm() {
  const state = useAppState();
  return (
    <Panel title="New message" focusKey="new-dm">
      <LiveSearch
        label="Find people"
        hint="Search by handle or name."
        verbatim
        search={state.findPeople}
        empty={(query) => (query ? `Nobody matches “${query}”.` : "Nobody here yet.")}
      >
        {(person: PublicUser) => <PersonResult key={person.id} person={person} />}
      </LiveSearch>
    </Panel>
  );
}

function PersonResult({ person }: { person: PublicUser }) {
  const state = useAppState();
  const { pending, error, submit } = useSubmit(state.openDm);
  const isMe = person.id === state.me.value?.id;
  return (
    <ResultRow
      leading={<Avatar id={person.id} name={person.displayName} url={person.avatarUrl} />}
      title={
        <>
          {person.displayName}
          {isMe && <span class="muted"> (you)</span>}
        </>
      }
      detail={`@${person.handle}`}
      error={error}
    >
      <button
        type="button"
        class="button"
        disabled={pending}
        aria-label={`Message ${person.displayName}`}
        onClick={() => void submit(person.id)}
      >
        {pending ? "Opening…" : "Message"}
      </button>
    </ResultRow>
  );
}
