/** Keeps a message list scrolled to the newest message, unless the viewer scrolled up to read. */
import { useLayoutEffect, useRef } from "preact/hooks";

/** Returns a ref for the scrolling element; `count` changing is what triggers the scroll. */
export function useStickToBottom(count) {
  const ref = useRef(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onScroll = () => {
      pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    };
    // A photo that finishes loading grows the list; follow it while pinned (load does not bubble).
    const onLoad = () => {
      if (pinned.current) el.scrollTop = el.scrollHeight;
    };
    el.addEventListener("scroll", onScroll);
    el.addEventListener("load", onLoad, true);
    return () => {
      el.removeEventListener("scroll", onScroll);
      el.removeEventListener("load", onLoad, true);
    };
  }, []);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [count]);
  return ref;
}
