// The audit log as a table, a page at a time: the instance's (admin page) or a workspace's.
import { useEffect, useState } from "preact/hooks";
import type { AuditEntry } from "../../../src/shared/api";
import * as styles from "./admin-panel.module.css";
import { auditActor, auditRoom, auditTarget } from "./admin-text";
import { useLoad } from "./use-load";

/** A page of the log, newest first; `before` continues with the page's `nextBefore`. */
export type LoadAudit = (
  before?: number,
) => Promise<{ entries: AuditEntry[]; nextBefore: number | null }>;

/** The audit log of the instance, or of one workspace: who did what, where, newest first. */
export function AuditLog({ load }: { load: LoadAudit }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [before, setBefore] = useState<number | undefined>(undefined);
  const [next, setNext] = useState<number | null>(null);
  const page = useLoad(() => load(before), [before]);
  useEffect(() => {
    if (!page.value) return;
    setEntries((list) =>
      before === undefined
        ? (page.value?.entries ?? [])
        : [...list, ...(page.value?.entries ?? [])],
    );
    setNext(page.value.nextBefore);
  }, [page.value]);
  return (
    <div class="stack">
      {page.error && <p role="alert">{page.error}</p>}
      <table class={styles.audit}>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Actor</th>
            <th scope="col">Room</th>
            <th scope="col">Target</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>{new Date(entry.at).toLocaleString()}</td>
              <td>{entry.action}</td>
              <td>{auditActor(entry)}</td>
              <td>{auditRoom(entry)}</td>
              <td>{auditTarget(entry)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next !== null && (
        <button type="button" class="button" onClick={() => setBefore(next)}>
          Older entries
        </button>
      )}
    </div>
  );
}
