// Find someone by handle or name and open the direct conversation with them.
import { useState } from "preact/hooks";
import type { PublicUser } from "../../../src/shared/api";
import { useSearch } from "../../hooks/use-search";
import { useSubmit } from "../../hooks/use-submit";
import { useAppState } from "../../state/use-app-state";
import { Avatar } from "../avatar";
import { Field } from "../field";
import * as fieldStyles from "../field/field.module.css";
import { Panel } from "../panel";
import { SearchResults } from "../search-results";

export function NewDm() {
  const state = useAppState();
  const [query, setQuery] = useState("");
  const { results } = useSearch(state.findPeople, query);

  return (
    <Panel title="New message" focusKey="new-dm">
      <div class="search">
        <Field
          label="Find people"
          name="q"
          type="search"
          value={query}
          onValue={setQuery}
          autoComplete="off"
          hint="Search by handle or name."
          verbatim
        />
      </div>
      <SearchResults
        results={results}
        empty={query.trim() ? `Nobody matches “${query.trim()}”.` : "Nobody here yet."}
      >
        {(person: PublicUser) => <PersonResult key={person.id} person={person} />}
      </SearchResults>
    </Panel>
  );
}

function PersonResult({ person }: { person: PublicUser }) {
  const state = useAppState();
  const { pending, error, submit } = useSubmit(state.openDm);
  const isMe = person.id === state.me.value?.id;
  return (
    <li class="result">
      <Avatar name={person.displayName} />
      <span class="result__text">
        <span class="result__title">
          {person.displayName}
          {isMe && <span class="muted"> (you)</span>}
        </span>
        <span class="result__detail">@{person.handle}</span>
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
        aria-label={`Message ${person.displayName}`}
        onClick={() => void submit(person.id)}
      >
        {pending ? "Opening…" : "Message"}
      </button>
    </li>
  );
}
