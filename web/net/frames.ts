// Reads the frames a socket receives, checked against the shared zod schemas. The schemas and
// zod are a third of the client's code, so they load beside the first screen instead of before
// it: a reader that gets frames before they are here holds them, in order, until they are.
import type { z } from "zod";
import type { InboxFrame, ServerFrame } from "../../src/shared/protocol";
import { framesOf } from "../../src/shared/protocol/rules";

type Schemas = typeof import("./frame-schemas");

let schemas: Schemas | undefined;
let loading: Promise<Schemas> | undefined;

/** Starts loading the schemas (once; again after a failed attempt). */
export function loadFrameSchemas(): Promise<Schemas> {
  loading ??= import("./frame-schemas").then(
    (loaded) => {
      schemas = loaded;
      return loaded;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

const RETRY_MS = 2_000;

/**
 * A function to hand each received text (a frame, or an array of them): valid frames reach
 * `onFrame` in the order they came, anything else is dropped (a server newer than this client
 * may send what it cannot read).
 */
function frameReader<F>(
  pick: (loaded: Schemas) => z.ZodType<F>,
  onFrame: (frame: F) => void,
): (text: string) => void {
  let held: string[] | null = null;

  function read(loaded: Schemas, text: string) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    const schema = pick(loaded);
    for (const one of framesOf(raw)) {
      const parsed = schema.safeParse(one);
      if (parsed.success) onFrame(parsed.data);
    }
  }

  function release() {
    loadFrameSchemas().then(
      (loaded) => {
        const texts = held ?? [];
        held = null;
        for (const text of texts) read(loaded, text);
      },
      // Offline while the chunk loads: the frames wait, and so does the socket's owner.
      () => setTimeout(release, RETRY_MS),
    );
  }

  return (text) => {
    if (schemas && held === null) return read(schemas, text);
    if (held === null) {
      held = [];
      release();
    }
    held.push(text);
  };
}

export const roomFrameReader = (onFrame: (frame: ServerFrame) => void) =>
  frameReader((loaded) => loaded.ServerFrame, onFrame);

export const inboxFrameReader = (onFrame: (frame: InboxFrame) => void) =>
  frameReader((loaded) => loaded.InboxFrame, onFrame);
