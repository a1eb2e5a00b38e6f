// What a message row knows of its room and can do there, and the quick reactions it offers.
import type { ReadonlySignal } from "@preact/signals";
import type { Message as MessageType } from "../../../src/shared/protocol";
import type { Upload } from "../../state/room";

/** The picker's choices; each must pass the server's one-emoji rule (test/unicode.test.ts). */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢"] as const;

/** What every message row needs to know about the room and what it can do. */
export interface MessageContext {
  meId: string;
  myHandle: string;
  canModerate: boolean;
  isDm: boolean;
  handles: ReadonlySet<string>;
  /** People I blocked: their messages are folded until shown one by one. */
  blocked: ReadonlySet<string>;
  /** Pictures of the people the room's details list (user id → URL); initials for the rest. */
  avatars: ReadonlyMap<string, string>;
  /** The bots among the people the room's details list: their name carries a "bot" badge. */
  bots?: ReadonlySet<string>;
  /** Names of the people known here (user id → name): thread repliers, who pinned. */
  names: ReadonlyMap<string, string>;
  readMarks: Readonly<Record<string, number>>;
  /** Delivery marks (a DM's ✓✓): messages up to the seq reached one of that person's devices. */
  deliveredMarks: Readonly<Record<string, number>>;
  /** My newest message: in group rooms only it shows "Seen by N". */
  lastMineSeq: number;
  editingSeq: number | null;
  /** Answers with a quote in the composer (absent where there is no such composer). */
  reply?(message: MessageType): void;
  /** Opens a message's thread (the main timeline's messages; absent inside a thread). */
  openThread?(seq: number, intent: "read" | "reply"): void;
  /** Pins or unpins (present when I may). */
  pin?(seq: number, on: boolean): void;
  /** Opens the report dialog for someone else's message (absent where reporting is not offered). */
  report?(message: MessageType): void;
  startEdit(seq: number | null): void;
  saveEdit(seq: number, body: string): Promise<void>;
  remove(seq: number): Promise<void>;
  react(seq: number, emoji: string, on: boolean): void;
  retry(cid: string): void;
  discard(cid: string): void;
  /** My files on their way (a waiting message shows its own; read only where drawn). */
  uploads: ReadonlySignal<readonly Upload[]>;
  /** Drops one file of a waiting message (it goes without it). */
  cancelUpload(key: string): void;
  quoteOf(seq: number): { sender: string; excerpt: string } | null;
  /** Brings a message (the original of a reply) into view, loading the history around it. */
  jumpTo(seq: number): void;
  /** A message's address (its path: `/r/:roomId/m/:seq`). */
  linkTo(seq: number): string;
  /** The clipboard refused the link: show it so that it can be copied by hand. */
  notCopied(url: string): void;
  highlightSeq: number | null;
  /** The message that is the list's one Tab stop (its controls are reached with arrows). */
  activeSeq: number | null;
}
