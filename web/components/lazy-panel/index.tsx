// A panel whose code loads when it is first shown, outside the initial JS budget
// (vite.config.ts): for what few visits open — the admin page, the forms for new rooms and DMs,
// browsing channels, a room's settings. Once loaded, it shows at once.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

export function lazyPanel<P extends object>(
  load: () => Promise<ComponentType<P>>,
): ComponentType<P> {
  let cached: ComponentType<P> | null = null;
  return function LazyPanel(props: P) {
    const [Loaded, setLoaded] = useState<ComponentType<P> | null>(() => cached);
    useEffect(() => {
      if (cached) return;
      void load().then((component) => {
        cached = component;
        setLoaded(() => component);
      });
    }, []);
    return Loaded ? (
      <Loaded {...props} />
    ) : (
      <p class="muted" aria-busy="true">
        Loading…
      </p>
    );
  };
}
