// The room's messages, windowed: day headings, runs of one sender, my unsent messages at the
// end; older history loads as the reader nears the top.
import { useMemo, useState } from "preact/hooks";
import type { RoomState } from "../../state/room-state";
import { type TimelineRow, timelineRows } from "../../state/timeline";
import { Message, type MessageContext, PendingRow } from "../message";
import { VirtualList } from "../virtual-list";

type Row = TimelineRow | { kind: "start"; key: string };

function estimate(row: Row): number {
  switch (row.kind) {
    case "day":
      return 40;
    case "start":
      return 48;
    case "pending":
      return 68;
    case "message":
      return row.first ? 68 : 30;
  }
}

interface MessageListProps {
  room: RoomState;
  view: MessageContext;
  myName: string;
  /** Changes when I send, so the list jumps to the bottom. */
  bottomKey: number;
  /** The message to scroll to (e.g. the original of a reply), a new object each time. */
  reveal: { seq: number } | null;
}

export function MessageList({ room, view, myName, bottomKey, reveal }: MessageListProps) {
  const messages = room.messages.value;
  const pending = room.pending.value;
  const hasOlder = room.hasOlder.value;
  const [atBottom, setAtBottom] = useState(true);
  const [jump, setJump] = useState(0);
  const revealRow = useMemo(() => (reveal ? { key: `m${reveal.seq}` } : null), [reveal]);
  const rows = useMemo<Row[]>(
    () => [{ kind: "start", key: "start" }, ...timelineRows(messages, pending, new Date())],
    [messages, pending],
  );

  const renderRow = (row: Row) => {
    switch (row.kind) {
      case "start":
        return (
          <p class="timeline__start">
            {hasOlder ? "Loading older messages…" : "This is the beginning of the room."}
          </p>
        );
      case "day":
        return (
          <h3 class="timeline__day">
            <span>{row.label}</span>
          </h3>
        );
      case "message":
        return <Message message={row.message} first={row.first} view={view} />;
      case "pending":
        return <PendingRow pending={row.pending} name={myName} view={view} />;
    }
  };

  return (
    <div class="timeline">
      <VirtualList
        items={rows}
        itemKey={(row) => row.key}
        estimate={estimate}
        renderItem={renderRow}
        onNearTop={() => void room.loadOlder()}
        onBottomChange={setAtBottom}
        bottomKey={bottomKey + jump}
        reveal={revealRow}
        class="timeline__scroller"
        label="Messages"
      />
      {!atBottom && (
        <button
          type="button"
          class="button button--small timeline__jump"
          onClick={() => setJump((n) => n + 1)}
        >
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}
