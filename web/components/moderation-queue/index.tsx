// The moderation queue: reported messages, newest first, with what was said when reported, who
// reported it and why. Open reports are resolved with an action (delete the message, ban its
// sender from the room; for admins, disable the author too) or dismissed; closed ones can be looked back on. One component for a
// room's queue (its settings, for owners and moderators), a workspace's (its settings, for its
// admins) and the instance's (the admin page).
import { useEffect, useState } from "preact/hooks";
import type { Report } from "../../../src/shared/api";
import { messagePath } from "../../../src/shared/links";
import { timeAgo } from "../../lib/threads-text";
import { asApiError, type CloseReportInput, type ReportStatus } from "../../net/api";
import { workspaceAdmin } from "../../net/workspace-admin";
import { useAppState } from "../../state/use-app-state";
import { Confirm } from "../confirm";
import * as styles from "./moderation-queue.module.css";

const REASON_TEXT: Record<Report["reason"], string> = {
  spam: "Spam",
  abuse: "Abuse or harassment",
  other: "Something else",
};

const ACTION_TEXT: Record<NonNullable<Report["action"]>, string> = {
  delete_message: "message deleted",
  ban_from_room: "sender banned from the room",
  disable_user: "account disabled",
};

/** What each action asks before it is taken. */
const CONFIRM: Record<
  NonNullable<Report["action"]>,
  { action: string; question(author: string, room: string): string }
> = {
  delete_message: {
    action: "Delete",
    question: (author) => `Delete ${author}'s message for everyone? It becomes “message deleted”.`,
  },
  ban_from_room: {
    action: "Ban",
    question: (author, room) =>
      `Ban ${author} from ${room}? They are removed at once and cannot come back until the ban is lifted.`,
  },
  disable_user: {
    action: "Disable",
    question: (author) =>
      `Disable ${author}'s account? They are signed out everywhere and cannot sign in.`,
  },
};

interface QueueProps {
  /** A room's queue, or (null) every room's: the admin's, or a workspace's. */
  roomId: string | null;
  /** With roomId null: the reports of this workspace's rooms (its admins' queue). */
  workspaceId?: string;
  /** Admins also disable accounts from it. */
  isAdmin: boolean;
}

export function ModerationQueue({ roomId, workspaceId, isAdmin }: QueueProps) {
  const state = useAppState();
  const [status, setStatus] = useState<ReportStatus>("open");
  const [reports, setReports] = useState<Report[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let current = true;
    setError(null);
    const load = roomId
      ? () => state.api.roomReports(roomId, status)
      : workspaceId
        ? () => workspaceAdmin(state.api, workspaceId).reports(status)
        : () => state.api.admin.reports(status);
    state.call(load).then(
      (page) => current && setReports(page.reports),
      (e: unknown) => current && setError(asApiError(e).message),
    );
    return () => {
      current = false;
    };
  }, [roomId, workspaceId, status, version]);

  const close = async (report: Report, outcome: CloseReportInput) => {
    setError(null);
    try {
      await state.call(() =>
        roomId || workspaceId
          ? state.api.closeRoomReport(report.room.id, report.id, outcome)
          : state.api.admin.closeReport(report.id, outcome),
      );
      setVersion((v) => v + 1);
      // The room's count of open reports (beside Members) follows.
      if (roomId) await state.reloadRoom(roomId);
    } catch (e) {
      setError(asApiError(e).message);
    }
  };

  return (
    <div class="stack">
      <fieldset class={styles.queueFilter}>
        <legend class="visually-hidden">Show reports</legend>
        {(["open", "resolved", "dismissed"] as const).map((s) => (
          <button
            key={s}
            type="button"
            class="button button--small"
            aria-pressed={status === s}
            onClick={() => setStatus(s)}
          >
            {s === "open" ? "Open" : s === "resolved" ? "Resolved" : "Dismissed"}
          </button>
        ))}
      </fieldset>
      {error && (
        <p class={styles.queueError} role="alert">
          {error}
        </p>
      )}
      {reports === null ? (
        <p class="muted" aria-busy="true">
          Loading reports…
        </p>
      ) : reports.length === 0 ? (
        <p class="muted">{status === "open" ? "No open reports." : `No ${status} reports.`}</p>
      ) : (
        <ul class={styles.queueList}>
          {reports.map((report) => (
            <ReportRow
              key={report.id}
              report={report}
              showRoom={roomId === null}
              isAdmin={isAdmin}
              onClose={(outcome) => close(report, outcome)}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

interface RowProps {
  report: Report;
  showRoom: boolean;
  isAdmin: boolean;
  onClose(outcome: CloseReportInput): Promise<void>;
}

function ReportRow({ report, showRoom, isAdmin, onClose }: RowProps) {
  const state = useAppState();
  const [asking, setAsking] = useState<CloseReportInput | null>(null);
  const [pending, setPending] = useState(false);
  const author = report.author?.displayName ?? "A deleted account";
  const act = async (outcome: CloseReportInput) => {
    setAsking(null);
    setPending(true);
    try {
      await onClose(outcome);
    } finally {
      setPending(false);
    }
  };
  const roomName =
    report.room.kind === "dm" ? "a direct message" : `#${report.room.name ?? report.room.id}`;
  return (
    <li class={styles.queueItem} aria-label={`Report of ${author}'s message`}>
      <p class={styles.queueMeta}>
        <strong>{author}</strong>
        {showRoom && <> in {roomName}</>} · {REASON_TEXT[report.reason]} · reported by{" "}
        {report.reporter?.displayName ?? "a deleted account"}{" "}
        {timeAgo(report.createdAt, new Date())}
      </p>
      <blockquote class={styles.queueExcerpt}>{report.excerpt || "(no text)"}</blockquote>
      {report.note && <p class={styles.queueNote}>“{report.note}”</p>}
      {report.status === "open" ? (
        <div class="button-row">
          <a
            class="button button--small"
            href={messagePath(report.room.id, report.seq)}
            onClick={(event) => {
              event.preventDefault();
              state.showMessage(report.room.id, report.seq);
            }}
          >
            View in room
          </a>
          <button
            type="button"
            class="button button--small button--danger"
            disabled={pending}
            onClick={() => setAsking({ status: "resolved", action: "delete_message" })}
          >
            Delete message
          </button>
          {report.room.kind !== "dm" && report.author && (
            <button
              type="button"
              class="button button--small button--danger"
              disabled={pending}
              onClick={() => setAsking({ status: "resolved", action: "ban_from_room" })}
            >
              Ban from room
            </button>
          )}
          {isAdmin && report.author && (
            <button
              type="button"
              class="button button--small button--danger"
              disabled={pending}
              onClick={() => setAsking({ status: "resolved", action: "disable_user" })}
            >
              Disable account
            </button>
          )}
          <button
            type="button"
            class="button button--small"
            disabled={pending}
            onClick={() => void act({ status: "dismissed" })}
          >
            Dismiss
          </button>
        </div>
      ) : (
        <p class="muted">
          {report.status === "resolved" ? "Resolved" : "Dismissed"}
          {report.action ? ` (${ACTION_TEXT[report.action]})` : ""}
          {report.closedBy ? ` by ${report.closedBy.displayName}` : ""}
          {report.closedAt ? ` ${timeAgo(report.closedAt, new Date())}` : ""}
        </p>
      )}
      {asking && (
        <Confirm
          action={CONFIRM[asking.action ?? "delete_message"].action}
          onConfirm={() => void act(asking)}
          onCancel={() => setAsking(null)}
        >
          {CONFIRM[asking.action ?? "delete_message"].question(author, roomName)}
        </Confirm>
      )}
    </li>
  );
}
