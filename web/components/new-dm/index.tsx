// Find someone by handle or name and open the direct conversation with them, or pick several
// and start a group conversation (the same room again for the same people).
import { useState } from "preact/hooks";
import type { PublicUser } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { useAppState } from "../../state/use-app-state";
import { Avatar } from "../avatar";
import { FormAlert } from "../form-alert";
import { Panel } from "../panel";
import { LiveSearch, ResultRow } from "../search-results";
import { InWorkspace } from "../workspace-settings/in-workspace";

export function NewDm() {
  const state = useAppState();
  const [chosen, setChosen] = useState<readonly PublicUser[]>([]);
  const start = useSubmit(() => state.openDm(chosen.map((p) => p.id)));
  const toggle = (person: PublicUser) =>
    setChosen((list) =>
      list.some((p) => p.id === person.id)
        ? list.filter((p) => p.id !== person.id)
        : [...list, person],
    );
  return (
    <Panel title="New message" focusKey="new-dm" subtitle={<InWorkspace />}>
      {chosen.length > 0 && (
        <section class="stack" aria-label="People in the new conversation">
          <ul class="result-list">
            {chosen.map((person) => (
              <ResultRow key={person.id} title={person.displayName} detail={`@${person.handle}`}>
                <button
                  type="button"
                  class="button button--small"
                  aria-label={`Remove ${person.displayName}`}
                  onClick={() => toggle(person)}
                >
                  Remove
                </button>
              </ResultRow>
            ))}
          </ul>
          <FormAlert error={start.error} fields={[]} />
          <div class="button-row">
            <button
              type="button"
              class="button button--primary"
              disabled={start.pending}
              onClick={() => void start.submit(undefined)}
            >
              {start.pending
                ? "Opening…"
                : chosen.length === 1
                  ? "Start conversation"
                  : `Start conversation with ${chosen.length} people`}
            </button>
          </div>
        </section>
      )}
      <LiveSearch
        label="Find people"
        hint="Search by handle or name. Message one person, or add several to a group."
        verbatim
        search={state.findPeople}
        empty={(query) => (query ? `Nobody matches “${query}”.` : "Nobody here yet.")}
      >
        {(person: PublicUser) => (
          <PersonResult
            key={person.id}
            person={person}
            chosen={chosen.some((p) => p.id === person.id)}
            onToggle={() => toggle(person)}
          />
        )}
      </LiveSearch>
    </Panel>
  );
}

function PersonResult(props: { person: PublicUser; chosen: boolean; onToggle: () => void }) {
  const { person } = props;
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
      {!isMe && (
        <button
          type="button"
          class="button"
          aria-pressed={props.chosen}
          aria-label={`Add ${person.displayName} to a group`}
          onClick={props.onToggle}
        >
          {props.chosen ? "Added" : "Add to group"}
        </button>
      )}
    </ResultRow>
  );
}
