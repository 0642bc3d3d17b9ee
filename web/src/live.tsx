import { createContext, type ReactNode, useContext, useEffect, useMemo, useRef, useState } from "react";
import { send } from "./api";
import type { LiveAnomaly } from "./types";

type Listener = (a: LiveAnomaly) => void;

interface Live {
  connected: boolean;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<Live>({ connected: false, subscribe: () => () => {} });

/**
 * One EventSource for the whole app. EventSource cannot send an Authorization header, so each
 * connection first trades the token for a single-use ticket; a dropped stream therefore reconnects
 * with a new ticket (the browser's own retry would reuse the spent one).
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const [connected, setConnected] = useState(false);
  const listeners = useRef(new Set<Listener>());
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const open = async () => {
      try {
        const { ticket } = await send<{ ticket: string }>("POST", "/api/v1/events/ticket");
        if (stopped) return;
        source = new EventSource(`/api/v1/events?ticket=${encodeURIComponent(ticket)}`);
        source.onopen = () => setConnected(true);
        source.addEventListener("anomaly", (e) => {
          const a = JSON.parse((e as MessageEvent<string>).data) as LiveAnomaly;
          for (const l of listeners.current) l(a);
        });
        source.onerror = () => {
          source?.close();
          setConnected(false);
          if (!stopped) retry = setTimeout(open, 3000);
        };
      } catch {
        if (!stopped) retry = setTimeout(open, 5000);
      }
    };
    void open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, []);
  const value = useMemo<Live>(
    () => ({
      connected,
      subscribe(listener) {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
    }),
    [connected],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  return useContext(LiveContext);
}

/** Calls `onAnomaly` for each live anomaly while the component is mounted. */
export function useLiveAnomalies(onAnomaly: Listener): void {
  const { subscribe } = useLive();
  const latest = useRef(onAnomaly);
  latest.current = onAnomaly;
  useEffect(() => subscribe((a) => latest.current(a)), [subscribe]);
}
