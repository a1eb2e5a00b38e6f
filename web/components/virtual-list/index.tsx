// A scrolling list that renders only the rows near the viewport, for rooms with thousands of
// messages. Row heights are measured once drawn (estimated before); the list sticks to the
// bottom while the reader is there (when the last row is the end), and otherwise keeps the row at
// the top of the viewport in place when rows are added above or below it (older or newer
// history) or change height.
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import * as styles from "./virtual-list.module.css";

const OVERSCAN_PX = 600;
/** How close to either end the reader is when it is time to load more there. */
const NEAR_EDGE_PX = 400;
const AT_BOTTOM_PX = 32;

interface VirtualListProps<T> {
  items: readonly T[];
  itemKey: (item: T) => string;
  /** A guess of a row's height in px before it has been drawn. */
  estimate: (item: T) => number;
  renderItem: (item: T) => ComponentChildren;
  /** Called when the reader is near the top (time to load older rows). */
  onNearTop?: () => void;
  /** Called when the reader is near the bottom (time to load newer rows, if there are any). */
  onNearBottom?: () => void;
  /**
   * Whether the last row is the end (default true): only then does the list stick to the bottom
   * and report reaching it. A window opened further up loads more below instead.
   */
  endReached?: boolean;
  /** Called whenever the reader reaches or leaves the bottom. */
  onBottomChange?: (atBottom: boolean) => void;
  /** Changing this scrolls to the bottom (e.g. after I send a message). */
  bottomKey?: unknown;
  /** Scrolls the row with this key into view (a new object each time it is asked). */
  reveal?: { key: string } | null;
  /**
   * The row that is the list's Tab stop (roving focus). While it is drawn the region itself
   * leaves the Tab order, so the list stays one Tab stop; otherwise the region is that stop.
   */
  tabStopKey?: string | null;
  class?: string;
  label: string;
}

/** Index of the row containing pixel `y` (the last row whose offset is ≤ y). */
function rowAt(offsets: Float64Array, count: number, y: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((offsets[mid] as number) <= y) lo = mid;
    else hi = mid - 1;
  }
  return Math.min(lo, Math.max(0, count - 1));
}

export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, itemKey, estimate } = props;
  const scroller = useRef<HTMLElement>(null);
  const heights = useRef(new Map<string, number>());
  const endReached = props.endReached ?? true;
  const atBottom = useRef(endReached);
  const anchor = useRef<{ key: string; delta: number } | null>(null);
  const layout = useRef<{ keys: string[]; offsets: Float64Array }>({
    keys: [],
    offsets: new Float64Array(1),
  });
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(800);
  const [, setMeasured] = useState(0);

  const count = items.length;
  const keys = new Array<string>(count);
  const offsets = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) {
    const item = items[i] as T;
    const key = itemKey(item);
    keys[i] = key;
    offsets[i + 1] = (offsets[i] as number) + (heights.current.get(key) ?? estimate(item));
  }
  const total = offsets[count] as number;
  layout.current = { keys, offsets };

  // While stuck to the bottom, draw the bottom rows even before the scroll position catches up.
  const top = atBottom.current ? Math.max(0, total - viewport) : scrollTop;
  const start = count === 0 ? 0 : rowAt(offsets, count, Math.max(0, top - OVERSCAN_PX));
  const end = count === 0 ? 0 : rowAt(offsets, count, top + viewport + OVERSCAN_PX) + 1;

  function captureAnchor(el: HTMLElement) {
    const { keys: k, offsets: o } = layout.current;
    if (k.length === 0) {
      anchor.current = null;
      return;
    }
    const index = rowAt(o, k.length, el.scrollTop);
    anchor.current = { key: k[index] as string, delta: el.scrollTop - (o[index] as number) };
  }

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    const below = el.scrollHeight - el.scrollTop - el.clientHeight;
    const bottom = endReached && below < AT_BOTTOM_PX;
    if (bottom !== atBottom.current) {
      atBottom.current = bottom;
      props.onBottomChange?.(bottom);
    }
    captureAnchor(el);
    setScrollTop(el.scrollTop);
    nearEdges(el);
  }

  function nearEdges(el: HTMLElement) {
    if (el.scrollTop < NEAR_EDGE_PX) props.onNearTop?.();
    if (el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_EDGE_PX) props.onNearBottom?.();
  }

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    setViewport(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  // A change, not the first value: a list opened at a row (`reveal`) must stay there.
  const bottomKey = useRef(props.bottomKey);
  useEffect(() => {
    if (props.bottomKey === bottomKey.current) return;
    bottomKey.current = props.bottomKey;
    atBottom.current = true;
    props.onBottomChange?.(true);
    setMeasured((v) => v + 1);
  }, [props.bottomKey]);

  // The bottom is no longer the end (the window moved further up): stop sticking to it.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (endReached || !atBottom.current || !el) return;
    atBottom.current = false;
    props.onBottomChange?.(false);
    captureAnchor(el);
  }, [endReached]);

  useLayoutEffect(() => {
    const el = scroller.current;
    const index = props.reveal ? keys.indexOf(props.reveal.key) : -1;
    if (!el || index < 0) return;
    if (atBottom.current) props.onBottomChange?.(false);
    atBottom.current = false;
    el.scrollTop = Math.max(0, (offsets[index] as number) - viewport / 3);
    captureAnchor(el);
    setScrollTop(el.scrollTop);
  }, [props.reveal]);

  // After every render: measure the drawn rows, then put the scroll position where it belongs.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    let changed = false;
    for (const row of el.querySelectorAll<HTMLElement>(":scope > .vlist__inner > [data-key]")) {
      const key = row.dataset.key as string;
      const height = row.getBoundingClientRect().height;
      if (Math.abs((heights.current.get(key) ?? -1) - height) > 0.5) {
        heights.current.set(key, height);
        changed = true;
      }
    }
    if (atBottom.current) {
      const target = el.scrollHeight - el.clientHeight;
      if (Math.abs(el.scrollTop - target) > 1) el.scrollTop = target;
    } else if (anchor.current) {
      const index = keys.indexOf(anchor.current.key);
      if (index >= 0) {
        let offset = 0;
        for (let i = 0; i < index; i++) {
          offset += heights.current.get(keys[i] as string) ?? estimate(items[i] as T);
        }
        const target = offset + anchor.current.delta;
        if (Math.abs(el.scrollTop - target) > 1) el.scrollTop = target;
      }
    }
    if (changed) setMeasured((v) => v + 1);
    else nearEdges(el);
  });

  const tabStopDrawn =
    props.tabStopKey != null && keys.slice(start, end).includes(props.tabStopKey);

  // The scrolling region takes focus so that keyboard users can scroll it (arrows, Page Up).
  return (
    <section
      ref={scroller}
      class={`${styles.vlist} ${props.class ?? ""}`}
      onScroll={onScroll}
      tabIndex={tabStopDrawn ? -1 : 0}
      aria-label={props.label}
    >
      <div class={styles.vlistInner}>
        <div style={{ height: `${offsets[start] ?? 0}px` }} aria-hidden="true" />
        {items.slice(start, end).map((item, i) => (
          <div key={keys[start + i]} data-key={keys[start + i]} class={styles.vlistRow}>
            {props.renderItem(item)}
          </div>
        ))}
        <div style={{ height: `${total - (offsets[end] ?? total)}px` }} aria-hidden="true" />
      </div>
    </section>
  );
}
